"""The staff report's page (reports/templates/report.html): patients' words as text, figures in place."""

from __future__ import annotations

from collections import Counter
from html import unescape

import pytest

from reports.analysis import MessageGroup, PairCount, Summary
from reports.html_report import MAX_GROUPS, render

pytestmark = pytest.mark.unit

MARKUP = '<img src=x onerror="alert(1)"> & <b>gras</b>'


def summary_with(groups, pairs=None):
    pairs = pairs or {}
    return Summary(
        since=0,
        until=86400 * 7,
        conversations=3,
        patient_messages=5,
        assistant_messages=6,
        endings=Counter({"fallback": 3}),
        pairs=pairs,
        facts_to_add=list(pairs.values()),
        unanswered_groups=groups,
        clarifications=[],
        feedback=[],
        per_day={"2026-12-01": 1, "2026-12-02": 2},
    )


def group(text, count=1):
    return MessageGroup(
        words=frozenset(text.split()),
        texts=Counter({text: count}),
        guesses=Counter({"nlu_fallback": count}),
        confidences=[0.4] * count,
        outcomes=Counter({"fallback": count}),
    )


def test_a_patient_s_markup_is_shown_as_text_never_as_markup(knowledge):
    html = render(summary_with([group(MARKUP, 2)]), knowledge, 86400 * 8)
    assert "<img" not in html and "<b>" not in html
    assert MARKUP in unescape(html)


def test_the_figures_and_names_are_in_their_places(knowledge):
    pair = PairCount("biopsie", "duration", fact=1, not_stated=2)
    html = render(summary_with([group("bonjour")], {("biopsie", "duration"): pair}), knowledge, 86400 * 8)
    assert 'data-days="7" data-conversations="3"' in html
    name = knowledge.procedure("biopsie").name
    assert f"{name} — " in unescape(html)
    assert 'data-aspect="duration" data-asked="3" data-fact="1" data-not-stated="2"' in html
    assert html.count("<rect ") == 2


def test_only_the_most_frequent_groups_are_listed_and_the_rest_counted(knowledge):
    groups = [group(f"message {n}") for n in range(MAX_GROUPS + 3)]
    html = render(summary_with(groups), knowledge, 86400 * 8)
    assert unescape(html).count('<tr data-count="1">') == MAX_GROUPS
    assert "Et 3 autres groupes" in html
