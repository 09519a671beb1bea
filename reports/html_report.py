"""The staff report as one self-contained HTML page: no script, no external file, the chart inline SVG.

The page is `reports/templates/report.html`, a Jinja2 template with autoescape: everything from the
conversations is shown as text, never markup. Tables carry `data-` attributes with the raw figures,
for tests and for anyone copying them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.answers import ASPECT_TITLES
from knowledge import ASPECTS, KnowledgeBase
from reports.analysis import ENDINGS, Summary

TEMPLATES = Path(__file__).parent / "templates"
ENDING_LABELS = {
    "answered": "réponse donnée",
    "clarification_left": "question de précision restée sans suite",
    "fallback": "message non compris",
    "out_of_scope": "hors du champ de l'assistant",
    "emergency": "urgence (consigne d'appeler le 15)",
    "action_failure": "panne : aucune réponse de l'assistant",
    "no_question": "aucune question (salutations seulement)",
}
OUTCOME_LABELS = {"fact": "fait donné", "not_stated": "« non précisé »"}
CHOICE_LABELS = {"other": "autre question", "left": "sans suite"}
MAX_GROUPS = 50
MAX_EXAMPLES = 5
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 720, 200, 30


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%d/%m/%Y")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


class _Names:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.procedures = {procedure.id: procedure.name for procedure in knowledge.procedures}

    def procedure(self, procedure_id: Optional[str]) -> str:
        if procedure_id is None:
            return "—"
        return self.procedures.get(procedure_id, procedure_id)

    @staticmethod
    def aspect(aspect: Optional[str]) -> str:
        return ASPECT_TITLES.get(aspect, aspect) if aspect else "—"


@dataclass
class _Ending:
    name: str
    label: str
    count: int
    share: str


@dataclass
class _Bar:
    day: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class _Chart:
    """Conversations per day as an inline SVG bar chart (no library, nothing fetched)."""

    bars: List[_Bar]
    highest: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    margin: int = CHART_MARGIN

    @property
    def baseline(self) -> int:
        return self.height - self.margin


def _chart(per_day: Dict[str, int]) -> _Chart:
    highest = max(per_day.values(), default=0) or 1
    plot_width = CHART_WIDTH - 2 * CHART_MARGIN
    plot_height = CHART_HEIGHT - 2 * CHART_MARGIN
    slot = plot_width / max(len(per_day), 1)
    bars = []
    for position, (day, count) in enumerate(per_day.items()):
        height = plot_height * count / highest
        x = CHART_MARGIN + position * slot
        y = CHART_MARGIN + plot_height - height
        bars.append(_Bar(day, count, x + slot * 0.1, y, slot * 0.8, height))
    return _Chart(bars, highest if per_day else 0)


def render(summary: Summary, knowledge: KnowledgeBase, generated: float) -> str:
    names = _Names(knowledge)
    procedures = list(names.procedures)
    procedures += sorted({p for p, _ in summary.pairs} - set(procedures))  # ids no longer in the file
    endings = [
        _Ending(name, ENDING_LABELS[name], count, _percent(count, summary.conversations))
        for name in ENDINGS
        for count in [summary.endings.get(name, 0)]
    ]
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    return environment.get_template("report.html").render(
        summary=summary,
        names=names,
        days=round((summary.until - summary.since) / 86400),
        since=_date(summary.since),
        until=_date(summary.until),
        generated=_date(generated),
        endings=endings,
        chart=_chart(summary.per_day),
        aspects=ASPECTS,
        procedures=procedures,
        ending_labels=ENDING_LABELS,
        outcome_labels=OUTCOME_LABELS,
        choice_labels=CHOICE_LABELS,
        max_groups=MAX_GROUPS,
        max_examples=MAX_EXAMPLES,
    )
