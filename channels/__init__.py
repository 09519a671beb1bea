"""Input channels of the assistant (configured in credentials.yml).

The Rasa server imports this package when it reads credentials.yml, which is
where the action-server timeout gets set (see never_silent.py).
"""

from channels.never_silent import apply_action_timeout

apply_action_timeout()
