"""Input channels of the assistant (configured in credentials.yml) and the checks they share.

The changes to Rasa itself are in patches/, applied at start-up by `patches.apply_all()`.
"""
