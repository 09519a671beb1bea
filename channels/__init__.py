"""Input channels of the assistant (configured in credentials.yml), and the project's
changes to Rasa, applied at start-up by `channels.patches.apply_all()` (scripts/rasa_server.py).

Importing this package changes nothing in Rasa.
"""
