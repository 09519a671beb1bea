"""`rasa ...` (run, shell, test) with the project's changes to Rasa applied, and the HTTP API's token
taken from the environment, not the command line.

Every Rasa server of the project starts through this wrapper (scripts/run.sh, scripts/shell.sh,
deploy/local-cluster.sh, the container), and so do the conversation tests (scripts/test.sh): it
calls `patches.apply_all()` first, so the action timeout, the HTTP limits and the other
patches hold however Rasa is started, and the tests run the model as it is served.

A token given as `--auth-token` is visible to every user of the machine (`ps`,
/proc/<pid>/cmdline): with ENABLE_API=true, RASA_AUTH_TOKEN is added to Rasa's arguments
inside the process (its command line stays without it) and removed from the environment
Rasa's children would inherit.

    ENABLE_API=true RASA_AUTH_TOKEN=... python scripts/rasa_server.py run --model models ...
    python scripts/rasa_server.py shell --model models
    python scripts/rasa_server.py test core --stories tests/test_stories.yml --e2e
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Run as a script, Python puts scripts/ first on the path, not the project.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import settings

    try:
        values = settings.load()
    except settings.SettingsError as problem:
        sys.exit(f"Invalid setting: {problem}")
    # Out of the environment the server's own processes inherit.
    os.environ.pop("RASA_AUTH_TOKEN", None)
    token = values.rasa_auth_token
    arguments = sys.argv[1:]
    if values.enable_api:
        if not token:
            sys.exit("ENABLE_API=true needs RASA_AUTH_TOKEN: the HTTP API would be open to anyone.")
        arguments += ["--enable-api", "--auth-token", token]

    from channels.dependency_warnings import (
        import_what_warns_before_rasa_s_command_line,
        silence_dependency_warnings,
    )

    silence_dependency_warnings()
    import_what_warns_before_rasa_s_command_line()
    from channels.sessions import keep_session_ids_out_of_logs
    from patches import apply_all

    apply_all()
    # The web chat's conversation ids are secrets (channels/sessions.py).
    keep_session_ids_out_of_logs()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
