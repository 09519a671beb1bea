"""Input channels of the assistant (configured in credentials.yml).

The Rasa server imports this package when it reads credentials.yml, which is
where its calls to the action server get their timeout and their faster
response check, failure logs without the response body (see action_server.py),
where every parsed message's entities are checked (payload.py), and the
HTTP server's size limit and timeouts (server_limits.py).
"""

from channels.action_server import (
    apply_action_timeout,
    build_response_check_once,
    keep_response_bodies_out_of_logs,
)
from channels.payload import check_entities_on_every_parse
from channels.server_limits import apply_server_limits

apply_server_limits()
apply_action_timeout()
build_response_check_once()
keep_response_bodies_out_of_logs()
check_entities_on_every_parse()
