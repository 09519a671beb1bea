"""The dependencies' known warnings are silenced at start-up, and nothing else."""

from __future__ import annotations

import warnings

import pytest

from channels.dependency_warnings import (
    import_what_warns_before_rasa_s_command_line,
    silence_dependency_warnings,
)

pytestmark = pytest.mark.unit


def shown(message: str, category: type, module: str) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        silence_dependency_warnings()
        warnings.warn_explicit(message, category, filename=f"{module}.py", lineno=1, module=module)
    return bool(caught)


def test_a_dependency_deprecation_and_rasa_unused_utterance_notice_are_not_shown():
    assert not shown("pkg_resources is deprecated", DeprecationWarning, "pkg_resources")
    assert not shown("'setParseAction' deprecated", DeprecationWarning, "packaging.markers")
    assert not shown("The utterance 'utter_greet' is not used", UserWarning, "rasa.shared.utils.io")
    assert not shown("Slot auto-fill has been removed in 3.0", UserWarning, "rasa.shared.core.slot_mappings")


def test_the_project_s_own_warnings_and_other_rasa_notices_still_show():
    assert shown("something the project deprecated", DeprecationWarning, "assistant.answers")
    assert shown("Slot 'procedure' has an unknown mapping", UserWarning, "rasa.shared.core.slot_mappings")
    assert shown("The utterance 'utter_greet' is not used", UserWarning, "assistant.answers")
    assert shown("a runtime problem", RuntimeWarning, "rasa.core.processor")


def test_pyparsing_deprecations_do_not_come_back_with_rasa_s_once_filter():
    """Rasa's command line puts "once" for every UserWarning in front of all filters; pyparsing's
    deprecations are UserWarnings: the modules that raise them at import are imported first."""
    import sys

    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        for module in ("matplotlib.fontconfig_pattern", "packaging.requirements"):
            sys.modules.pop(module, None)
        silence_dependency_warnings()
        import_what_warns_before_rasa_s_command_line()
        warnings.filterwarnings("once", category=UserWarning)
        import matplotlib.fontconfig_pattern  # noqa: F401
        import packaging.requirements  # noqa: F401
    assert not [w for w in caught if "deprecated" in str(w.message)], [str(w.message) for w in caught]
