"""`rasa run ...` with the HTTP API's token taken from the environment, not the command line.

A token given as `--auth-token` is visible to every user of the machine (`ps`,
/proc/<pid>/cmdline). scripts/run.sh starts the Rasa server through this
wrapper: with ENABLE_API=true, RASA_AUTH_TOKEN is added to Rasa's arguments
inside the process (its command line stays without it) and removed from the
environment Rasa's children would inherit.

    ENABLE_API=true RASA_AUTH_TOKEN=... python scripts/rasa_server.py run --model models ...
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.pop("RASA_AUTH_TOKEN", "")
    arguments = sys.argv[1:]
    if os.environ.get("ENABLE_API", "false") == "true":
        if not token:
            sys.exit("ENABLE_API=true needs RASA_AUTH_TOKEN: the HTTP API would be open to anyone.")
        arguments += ["--enable-api", "--auth-token", token]
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
