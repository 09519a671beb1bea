"""The staff report as one self-contained HTML page: no script, no external file, the chart inline SVG.

Everything from the conversations is escaped: a patient's message is shown as text, never markup.
Tables carry `data-` attributes with the raw figures, for tests and for anyone copying them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Dict, List, Optional

from actions.answers import ASPECT_TITLES
from actions.knowledge import ASPECTS, KnowledgeBase
from reports.analysis import ENDINGS, Summary

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
FEEDBACK_LABELS = {"helpful": "utile", "not_helpful": "pas utile"}
MAX_GROUPS = 50
MAX_EXAMPLES = 5
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 720, 200, 30

STYLE = """
body { font-family: system-ui, sans-serif; color: #1d2a35; max-width: 70rem; margin: 0 auto; padding: 1rem; }
.warning { background: #fff4e0; border-left: 0.3rem solid #8a4b00; padding: 0.75rem 1rem; font-weight: 600; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #c5cdd5; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef2f5; }
td.number { text-align: right; }
td.missing { background: #fde8e8; }
.quiet { color: #4a5763; font-size: 0.9rem; }
svg text { font-size: 11px; fill: #1d2a35; }
"""


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


def render(summary: Summary, knowledge: KnowledgeBase, generated: float) -> str:
    names = _Names(knowledge)
    days = round((summary.until - summary.since) / 86400)
    parts: List[str] = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Assistant patients — rapport des conversations</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Assistant patients — rapport des conversations</h1>",
        '<p class="warning" id="warning">Ce rapport contient des messages de patients (les données '
        "personnelles repérées y sont masquées). Il reste à l'intérieur de la clinique : ne pas le "
        "transmettre ni le publier, le supprimer après usage.</p>",
        f'<p id="period" data-days="{days}" data-conversations="{summary.conversations}">'
        f"Période : du {_date(summary.since)} au {_date(summary.until)} ({days} jours), "
        f"<strong>{summary.conversations} conversations</strong>. "
        f'<span class="quiet">Généré le {_date(generated)}.</span></p>',
    ]
    if not summary.conversations:
        parts.append('<p id="empty">Aucune conversation sur cette période : il n\'y a rien à montrer.</p>')
    else:
        parts += _overview(summary)
        parts += _chart(summary.per_day)
        parts += _facts_to_add(summary, names)
        parts += _pairs_table(summary, names)
        parts += _unanswered(summary)
        parts += _clarifications(summary, names)
        parts += _feedback(summary, names)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _overview(summary: Summary) -> List[str]:
    rows = [
        '<h2 id="overview">Vue d\'ensemble</h2>',
        '<table id="totals"><tbody>',
        f'<tr><th>Conversations</th><td class="number" data-count="{summary.conversations}">'
        f"{summary.conversations}</td></tr>",
        f'<tr><th>Messages des patients</th><td class="number" data-count="{summary.patient_messages}">'
        f"{summary.patient_messages}</td></tr>",
        f'<tr><th>Messages de l\'assistant</th><td class="number" data-count="{summary.assistant_messages}">'
        f"{summary.assistant_messages}</td></tr>",
        "</tbody></table>",
        "<h3>Comment les conversations se sont terminées</h3>",
        "<p class=\"quiet\">Une conversation où l'assistant a donné la consigne d'urgence compte comme "
        "urgence ; sinon, c'est le sort de la dernière question posée.</p>",
        '<table id="endings"><thead><tr><th>Fin</th><th>Conversations</th><th>Part</th></tr></thead><tbody>',
    ]
    for name in ENDINGS:
        count = summary.endings.get(name, 0)
        rows.append(
            f'<tr data-ending="{name}" data-count="{count}"><td>{escape(ENDING_LABELS[name])}</td>'
            f'<td class="number">{count}</td>'
            f'<td class="number">{_percent(count, summary.conversations)}</td></tr>'
        )
    rows.append("</tbody></table>")
    return rows


def _chart(per_day: Dict[str, int]) -> List[str]:
    """Conversations per day as an inline SVG bar chart (no library, nothing fetched)."""
    days = list(per_day)
    highest = max(per_day.values(), default=0) or 1
    plot_width = CHART_WIDTH - 2 * CHART_MARGIN
    plot_height = CHART_HEIGHT - 2 * CHART_MARGIN
    slot = plot_width / max(len(days), 1)
    bars = []
    for position, day in enumerate(days):
        count = per_day[day]
        height = plot_height * count / highest
        x = CHART_MARGIN + position * slot
        y = CHART_MARGIN + plot_height - height
        bars.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}" '
            f'fill="#0a5a9c" data-day="{day}" data-count="{count}"><title>{day} : {count}</title></rect>'
        )
    baseline = CHART_MARGIN + plot_height
    labels = [
        f'<text x="{CHART_MARGIN}" y="{CHART_MARGIN - 8}">{highest if per_day else 0} conversations</text>',
        f'<line x1="{CHART_MARGIN}" y1="{baseline}" x2="{CHART_WIDTH - CHART_MARGIN}" y2="{baseline}" '
        'stroke="#66727f"/>',
    ]
    if days:
        labels.append(f'<text x="{CHART_MARGIN}" y="{baseline + 16}">{days[0]}</text>')
        labels.append(
            f'<text x="{CHART_WIDTH - CHART_MARGIN}" y="{baseline + 16}" text-anchor="end">{days[-1]}</text>'
        )
    return [
        '<h2 id="per-day">Conversations par jour</h2>',
        f'<svg id="chart" role="img" aria-label="Conversations par jour" width="{CHART_WIDTH}" '
        f'height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}">',
        *labels,
        *bars,
        "</svg>",
    ]


def _facts_to_add(summary: Summary, names: _Names) -> List[str]:
    rows = [
        '<h2 id="to-add">Les faits à ajouter en premier</h2>',
        '<p class="quiet">Les questions auxquelles l\'assistant a répondu « les informations de la '
        "clinique ne précisent pas », les plus posées d'abord : chaque fait ajouté à la page de la "
        "clinique et au fichier de connaissances y répondra.</p>",
    ]
    if not summary.facts_to_add:
        return rows + ["<p>Aucune réponse « non précisé » sur la période.</p>"]
    rows.append('<ol id="facts-to-add">')
    for pair in summary.facts_to_add:
        rows.append(
            f'<li data-procedure="{escape(pair.procedure)}" data-aspect="{escape(pair.aspect)}" '
            f'data-not-stated="{pair.not_stated}">{escape(names.procedure(pair.procedure))} — '
            f"{escape(names.aspect(pair.aspect))} : demandé {pair.not_stated} fois</li>"
        )
    rows.append("</ol>")
    return rows


def _pairs_table(summary: Summary, names: _Names) -> List[str]:
    procedures = list(names.procedures)
    procedures += sorted({p for p, _ in summary.pairs} - set(procedures))  # ids no longer in the file
    rows = [
        '<h2 id="questions">Geste × question</h2>',
        '<p class="quiet">Combien de fois chaque question a été posée sur chaque geste, et combien de '
        "réponses ont donné un fait ou « non précisé » (en rouge quand il y en a).</p>",
        '<table id="pairs"><thead><tr><th>Geste</th>',
        *[f"<th>{escape(names.aspect(aspect))}</th>" for aspect in ASPECTS],
        "</tr></thead><tbody>",
    ]
    for procedure in procedures:
        cells = []
        for aspect in ASPECTS:
            pair = summary.pairs.get((procedure, aspect))
            fact, not_stated = (pair.fact, pair.not_stated) if pair else (0, 0)
            text = f"{fact + not_stated}" + (f" ({fact} fait, {not_stated} non précisé)" if pair else "")
            css = ' class="number missing"' if not_stated else ' class="number"'
            cells.append(
                f'<td{css} data-procedure="{escape(procedure)}" data-aspect="{aspect}" '
                f'data-asked="{fact + not_stated}" data-fact="{fact}" '
                f'data-not-stated="{not_stated}">{text}</td>'
            )
        rows.append(f"<tr><th>{escape(names.procedure(procedure))}</th>{''.join(cells)}</tr>")
    rows.append("</tbody></table>")
    return rows


def _unanswered(summary: Summary) -> List[str]:
    groups = summary.unanswered_groups
    rows = [
        '<h2 id="not-understood">Messages non compris ou jugés hors sujet</h2>',
        '<p class="quiet">Regroupés par mots communs, les plus fréquents d\'abord, avec la première '
        "intention devinée par la compréhension du langage et sa confiance moyenne. Ils montrent ce "
        "que les patients demandent et que l'assistant ne sait pas traiter.</p>",
    ]
    if not groups:
        return rows + ["<p>Aucun message de ce type sur la période.</p>"]
    rows += [
        '<table id="unanswered"><thead><tr><th>Messages</th><th>Exemples</th><th>Première intention '
        "devinée</th><th>Confiance moyenne</th><th>Réponse</th></tr></thead><tbody>",
    ]
    for group in groups[:MAX_GROUPS]:
        examples = "<br>".join(
            escape(text) + (f' <span class="quiet">×{count}</span>' if count > 1 else "")
            for text, count in group.texts.most_common(MAX_EXAMPLES)
        )
        guess, _ = group.guesses.most_common(1)[0]
        confidence = f"{group.mean_confidence:.2f}" if group.mean_confidence is not None else "—"
        outcome = ", ".join(
            f"{ENDING_LABELS.get(name, name)} ({count})" for name, count in group.outcomes.most_common()
        )
        rows.append(
            f'<tr data-count="{group.count}"><td class="number">{group.count}</td><td>{examples}</td>'
            f'<td>{escape(guess)}</td><td class="number">{confidence}</td><td>{escape(outcome)}</td></tr>'
        )
    rows.append("</tbody></table>")
    if len(groups) > MAX_GROUPS:
        rows.append(f'<p class="quiet">Et {len(groups) - MAX_GROUPS} autres groupes, plus rares.</p>')
    return rows


def _clarifications(summary: Summary, names: _Names) -> List[str]:
    rows = [
        '<h2 id="clarify">Questions de précision et choix des patients</h2>',
        '<p class="quiet">Quand un message pouvait concerner plusieurs gestes, l\'assistant a demandé '
        "lequel : les gestes proposés, puis ce que les patients ont choisi.</p>",
    ]
    if not summary.clarifications:
        return rows + ["<p>Aucune question de précision sur la période.</p>"]
    rows.append(
        '<table id="clarifications"><thead><tr><th>Gestes proposés</th><th>Fois</th>'
        "<th>Choix des patients</th></tr></thead><tbody>"
    )
    for clarification in summary.clarifications:
        offered = ", ".join(names.procedure(p) for p in clarification.candidates) or "tous les gestes"
        choices = ", ".join(
            f"{names.procedure(choice) if choice not in CHOICE_LABELS else CHOICE_LABELS[choice]} ({count})"
            for choice, count in clarification.chosen.most_common()
        )
        rows.append(
            f'<tr data-asked="{clarification.asked}"><td>{escape(offered)}</td>'
            f'<td class="number">{clarification.asked}</td><td>{escape(choices)}</td></tr>'
        )
    rows.append("</tbody></table>")
    return rows


def _feedback(summary: Summary, names: _Names) -> List[str]:
    rows = [
        '<h2 id="patients-feedback">Avis des patients sur les réponses</h2>',
        "<p class=\"quiet\">Après une réponse, le patient peut dire qu'elle l'aide ou non (boutons du "
        "chat, ou par écrit). Les réponses jugées pas utiles d'abord.</p>",
    ]
    if not summary.feedback:
        return rows + ["<p>Aucun avis sur la période.</p>"]
    rows.append(
        '<table id="feedback"><thead><tr><th>Geste</th><th>Question</th><th>Réponse</th>'
        "<th>Utile</th><th>Pas utile</th></tr></thead><tbody>"
    )
    for count in summary.feedback:
        answer = OUTCOME_LABELS.get(count.outcome, "sans réponse avant")
        rows.append(
            f'<tr data-procedure="{escape(count.procedure or "")}" '
            f'data-aspect="{escape(count.aspect or "")}" '
            f'data-outcome="{escape(count.outcome or "")}" data-helpful="{count.helpful}" '
            f'data-not-helpful="{count.not_helpful}"><td>{escape(names.procedure(count.procedure))}</td>'
            f"<td>{escape(names.aspect(count.aspect))}</td><td>{escape(answer)}</td>"
            f'<td class="number">{count.helpful}</td><td class="number">{count.not_helpful}</td></tr>'
        )
    rows.append("</tbody></table>")
    return rows
