"""Input channels of the assistant (configured in credentials.yml).

The Rasa server imports this package when it reads credentials.yml, which is
where its calls to the action server get their timeout and their faster
response check (see action_server.py).
"""

from channels.action_server import apply_action_timeout, build_response_check_once

apply_action_timeout()
build_response_check_once()
