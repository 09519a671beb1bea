"""The dependencies' known warnings are silenced at start-up, and nothing else."""

from __future__ import annotations

import warnings

import pytest

from channels.dependency_warnings import silence_dependency_warnings

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


def test_the_project_s_own_warnings_and_other_rasa_notices_still_show():
    assert shown("something the project deprecated", DeprecationWarning, "actions.answers")
    assert shown("Slot auto-fill has been removed", UserWarning, "rasa.shared.core.slot_mappings")
    assert shown("a runtime problem", RuntimeWarning, "rasa.core.processor")
