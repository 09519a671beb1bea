"""The dependencies' own warnings, silenced at start-up so the console shows what matters.

Rasa 3.6's dependencies print deprecation notices at every start (pkg_resources, pyparsing
through packaging and matplotlib, SQLAlchemy 2.0's, distutils in sanic_cors), and Sanic asks
Python to show each deprecation once, which overrides PYTHONWARNINGS. Rasa also warns that the
responses are in no story: action_answer sends them. Nothing here concerns the project or its
staff. Each filter names a category and the modules it comes from; errors are never filtered.
Called first by the entry points (scripts/rasa_server.py, scripts/action_server.py).
"""

from __future__ import annotations

import warnings

DEPENDENCIES = r"(pkg_resources|packaging|matplotlib|apscheduler|sanic_cors|rasa|tensorflow|jax)(\..*)?$"
# (category, module pattern, message start): a deprecation inside a dependency.
KNOWN = [
    (DeprecationWarning, DEPENDENCIES, ""),
    (PendingDeprecationWarning, DEPENDENCIES, ""),
    (UserWarning, r"rasa\.shared\.utils\.io$", "The utterance '"),
]


def silence_dependency_warnings() -> None:
    """Before the dependencies are imported. Sanic's import warns too (through packaging) and
    installs its "once" filter: the filters go before it, then again in front of it."""
    _add_filters()
    import sanic.app  # noqa: F401

    _add_filters()


def _add_filters() -> None:
    for category, module, message in KNOWN:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
