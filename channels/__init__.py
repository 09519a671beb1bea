"""Input channels of the assistant (configured in credentials.yml)."""
