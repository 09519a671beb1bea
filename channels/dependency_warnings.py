"""The dependencies' own warnings, silenced at start-up so the console shows what matters.

Rasa 3.6's dependencies print deprecation notices at every start (pkg_resources, pyparsing
through packaging and matplotlib, SQLAlchemy 2.0's, distutils in sanic_cors), and Sanic asks
Python to show each deprecation once, which overrides PYTHONWARNINGS. Rasa also warns that the
responses are in no story: action_answer sends them. Nothing here concerns the project or its
staff. Each filter names a category and the modules it comes from; errors are never filtered.
Called first by the entry points (scripts/rasa_server.py, scripts/action_server.py, scripts/train.py).
"""

from __future__ import annotations

import os
import warnings

DEPENDENCIES = r"(pkg_resources|packaging|matplotlib|apscheduler|sanic_cors|rasa|tensorflow|jax)(\..*)?$"
# (category, module pattern, message start): a deprecation inside a dependency.
KNOWN = [
    (DeprecationWarning, DEPENDENCIES, ""),
    (PendingDeprecationWarning, DEPENDENCIES, ""),
    (UserWarning, r"rasa\.shared\.utils\.io$", "The utterance '"),
    # Rasa 3.6 says it at every domain validation, whatever the domain's slots are.
    (UserWarning, r"rasa\.shared\.core\.slot_mappings$", "Slot auto-fill has been removed"),
    # DIET's batching hands random.randint a float (during training).
    (DeprecationWarning, r"random$", "non-integer arguments to randrange"),
    # A package's import hook that still uses load_module (seen during training).
    (DeprecationWarning, r"importlib\._bootstrap$", "the load_module\\(\\) method is deprecated"),
]


def silence_dependency_warnings() -> None:
    """Before the dependencies are imported. Sanic's import warns too (through packaging) and
    installs its "once" filter: the filters go before it, then again in front of it."""
    # TensorFlow's C++ notes at start-up ("Could not find TensorRT", "Executor start aborting"):
    # its INFO and WARNING levels, read when it is first imported; its errors still print.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _add_filters()
    import sanic.app  # noqa: F401

    _add_filters()


def import_what_warns_before_rasa_s_command_line() -> None:
    """For Rasa's command line only (scripts/rasa_server.py), after the filters: it puts "once"
    for every UserWarning in front of them, and pyparsing's deprecations are UserWarnings too.
    They come from these modules' import-time code: imported now, under the filters, they have
    nothing left to say. (The action server and training never import them under that filter.)"""
    import matplotlib.fontconfig_pattern  # noqa: F401
    import packaging.requirements  # noqa: F401


def _add_filters() -> None:
    for category, module, message in KNOWN:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
