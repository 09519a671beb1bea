"""End-to-end evaluation on tests/evaluation_set.yml, through the real servers and the REST channel.

Each case is a short conversation (a new sender); the assistant's replies to its
last message are recognised one by one by composing every reply it can make
from the knowledge file (assistant.answers) and the fixed texts of domain.yml,
then compared with the expected outcome. Used by `make evaluate`
(scripts/evaluate.py) and by tests/test_evaluation.py in `make test`.

Outcomes: answer (procedure, question kind, organ; or `answers`, a list of them
for a message that asks several things, where an entry `{not_covered: topic}`
is a question the page never answers), general (topic), not_described /
out_of_scope / not_covered (honest "not covered" replies: each is accepted for
the others), clarify (candidates), emergency, list, smalltalk (intent),
rephrase, unrecognised. The overview is accepted where the purpose or how it is
done was asked: it gives both, word for word. The reply on pain about a procedure
gives the page's general fact and that procedure's anaesthesia fact under its
heading: it answers that procedure's anaesthesia, and counts as a fact about it.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml

from assistant import answers
from channels.domain import domain
from harness.servers import REPO_ROOT
from knowledge import ASPECTS, EXTRA_FACTS, KnowledgeBase, normalize

EVALUATION_SET = REPO_ROOT / "tests" / "evaluation_set.yml"
# Written later, the same way, each judged against the same targets (see scripts/evaluate.py).
FURTHER_EVALUATION_SETS = [
    REPO_ROOT / "tests" / "evaluation_set_fresh.yml",
    REPO_ROOT / "tests" / "evaluation_set_final.yml",
    REPO_ROOT / "tests" / "evaluation_set_whole_message.yml",
]
# Sets whose cases those who change the assistant never read: their misses are not printed.
BLIND_EVALUATION_SETS = {REPO_ROOT / "tests" / "evaluation_set_whole_message.yml"}
SMALLTALK_RESPONSES = {
    "utter_greet": "greet",
    "utter_thank": "thank",
    "utter_goodbye": "goodbye",
    "utter_bot_challenge": "bot_challenge",
}
NOT_COVERED = {"not_described", "out_of_scope", "not_covered"}
OVERVIEW_HOLDS = {"purpose", "how_it_is_done"}
# Targets: 0 wrong-procedure answers and every emergency on every set, and this share of
# right outcomes on the first set, and on the sets written later.
TARGET_RIGHT_SHARE = 0.98
FURTHER_TARGET_RIGHT_SHARE = 0.97
# Replies that come beside an answer and say nothing about what was asked.
ASIDE_RESPONSES = ("utter_disclaimer", "utter_personal_data_reminder")


@dataclass
class Observed:
    outcome: str
    procedure: Optional[str] = None
    question_kind: Optional[str] = None
    organ: Optional[str] = None
    topic: Optional[str] = None
    candidates: List[str] = field(default_factory=list)
    intent: Optional[str] = None

    def describe(self) -> str:
        details = [self.procedure, self.question_kind, self.organ, self.topic, self.intent]
        if self.candidates:
            details.append("[" + ", ".join(self.candidates) + "]")
        return " ".join([self.outcome, *(d for d in details if d)])


class ReplyRecogniser:
    """Every reply the assistant can give, composed from the knowledge file, mapped to its outcome."""

    def __init__(self, knowledge: KnowledgeBase, domain: Dict[str, Any]):
        self.knowledge = knowledge
        self.fixed = {name: variants[0].get("text", "") for name, variants in domain["responses"].items()}
        self.known: Dict[str, Observed] = {}
        for procedure in knowledge.procedures:
            self.known[answers.describe_procedure(knowledge, procedure).text] = Observed(
                "answer", procedure.id, "overview"
            )
            for aspect in (*ASPECTS, *EXTRA_FACTS):
                fact = getattr(procedure.facts, aspect)
                reply = answers.answer_aspect(knowledge, procedure, aspect).text
                self.known[reply] = Observed("answer", procedure.id, aspect)
                for organ_id in [*knowledge.organs]:
                    with_organ = answers.answer_aspect(knowledge, procedure, aspect, organ_id).text
                    # An organ the page does not distinguish gets every case: no variant chosen.
                    chosen = organ_id if organ_id in fact.by_organ else None
                    self.known.setdefault(with_organ, Observed("answer", procedure.id, aspect, chosen))
            pain = answers.answer_general(knowledge, "pain_relief", procedure).text
            self.known[pain] = Observed("general", topic="pain_relief", procedure=procedure.id)
        for topic in knowledge.not_covered_topics:
            for about in (None, *knowledge.procedures):
                reply = answers.not_covered_topic(knowledge, topic, about).text
                # The procedure it is about: after "you did not name it, I answer for …".
                self.known[reply] = Observed("not_covered", procedure=about.id if about else None)
        for topic in answers.GENERAL_TOPICS:
            self.known[answers.answer_general(knowledge, topic).text] = Observed("general", topic=topic)
        self.known[answers.list_procedures(knowledge).text] = Observed("list")
        self.known[answers.out_of_scope(knowledge).text] = Observed("out_of_scope")
        for failed_before in (False, True):
            self.known[answers.ask_to_rephrase(knowledge, failed_before).text] = Observed("rephrase")
        for name, intent in SMALLTALK_RESPONSES.items():
            self.known[self.fixed[name]] = Observed("smalltalk", intent=intent)
        # An answer about a procedure the patient described without naming it opens with a line
        # that names it: the answer must then be about that procedure.
        self.described_openings = {
            answers.procedure_described(procedure) + "\n": procedure.id for procedure in knowledge.procedures
        }
        # Not-described replies end with a line that depends on the procedures named: compare the first.
        self.not_described_first_lines = {
            answers.not_described_act(knowledge, act).text.split("\n")[0] for act in knowledge.not_described
        }
        for procedure in knowledge.procedures:
            for site in procedure.scope.outside_words:
                reply = answers.outside_scope(knowledge, procedure, normalize(site)).text
                self.not_described_first_lines.add(reply.split("\n")[0])

    def recognise(self, replies: List[Dict[str, Any]]) -> List[Observed]:
        """What each reply of one turn did; the emergency instruction alone when it is among them."""
        asides = {self.fixed[name] for name in ASIDE_RESPONSES}
        kept = [reply for reply in replies if (reply.get("text") or "") not in asides]
        if any((reply.get("text") or "") == self.fixed["utter_emergency"] for reply in kept):
            return [Observed("emergency")]
        return [self._recognise_one(reply) for reply in kept] or [Observed("unrecognised")]

    def _recognise_one(self, reply: Dict[str, Any]) -> Observed:
        text = reply.get("text") or ""
        for opening, procedure_id in self.described_openings.items():
            if text.startswith(opening):
                observed = self._recognise_one({**reply, "text": text[len(opening) :]})
                return observed if observed.procedure == procedure_id else Observed("unrecognised")
        if text in self.known:
            return self.known[text]
        if text.split("\n")[0] in self.not_described_first_lines:
            return Observed("not_described")
        payloads = [button.get("payload", "") for button in reply.get("buttons") or []]
        if payloads and all(payload.startswith("/inform_procedure") for payload in payloads):
            candidates = [yaml.safe_load(p[len("/inform_procedure") :])["procedure"] for p in payloads]
            return Observed("clarify", candidates=candidates)
        return Observed("unrecognised")


def expected_answers(expected: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The answers a case expects: its `answers` list, or the one answer it describes."""
    if "answers" in expected:
        return list(expected["answers"])
    return [{key: expected[key] for key in ("procedure", "aspect", "organ") if key in expected}]


def judge(expected: Dict[str, Any], observed: List[Observed], all_ids: List[str]) -> str:
    """'right', 'wrong procedure' (a fact about a procedure or variant not asked), or 'wrong'.

    Every reply of the turn counts: a message that asks two things is right only
    when both are answered, and one fact about the wrong procedure makes it wrong.
    """
    wanted = expected["outcome"]
    facts = [o for o in observed if o.outcome == "answer"]
    if wanted != "general":
        facts += [Observed("answer", o.procedure, "anaesthesia") for o in observed if _pain_of_a_procedure(o)]
    if wanted != "answer":
        if facts:
            return "wrong procedure"
        main = observed[-1]
        if wanted in NOT_COVERED:
            return "right" if main.outcome in NOT_COVERED else "wrong"
        if wanted == "clarify":
            candidates = expected["candidates"]
            expected_ids = all_ids if candidates == "all" else list(candidates)
            offered = set(main.candidates)
            return "right" if main.outcome == "clarify" and set(expected_ids) <= offered else "wrong"
        if wanted == "general":
            same = main.topic == expected["topic"]
        elif wanted == "smalltalk":
            same = main.intent == expected["intent"]
        else:
            same = True
        return "right" if main.outcome == wanted and same else "wrong"

    entries = expected_answers(expected)
    asked = [entry for entry in entries if "procedure" in entry]
    for fact in facts:
        same_procedure = [entry for entry in asked if entry["procedure"] == fact.procedure]
        # A variant other than the one expected is a wrong answer; every case given
        # (no variant chosen) is only less precise.
        other_variant = fact.organ is not None and all(fact.organ != e.get("organ") for e in same_procedure)
        if not same_procedure or other_variant:
            return "wrong procedure"
    for entry in entries:
        if "not_covered" in entry:
            answered = any(o.outcome in NOT_COVERED for o in observed)
        else:
            # The overview holds the purpose and how it is done, word for word.
            accepted = {entry["aspect"]} | ({"overview"} if entry["aspect"] in OVERVIEW_HOLDS else set())
            answered = any(
                fact.procedure == entry["procedure"]
                and fact.question_kind in accepted
                and fact.organ == entry.get("organ")
                for fact in facts
            )
        if not answered:
            return "wrong"
    return "right"


def _pain_of_a_procedure(observed: Observed) -> bool:
    """The reply on pain that gives a procedure's anaesthesia fact under its heading."""
    about_pain = observed.outcome == "general" and observed.topic == "pain_relief"
    return about_pain and observed.procedure is not None


@dataclass
class Result:
    case: Dict[str, Any]
    observed: List[Observed]
    verdict: str


def evaluate(
    say: Callable[[str, str], List[Dict[str, Any]]],
    knowledge: KnowledgeBase,
    cases: Optional[List[Dict[str, Any]]] = None,
) -> List[Result]:
    """Play every case through `say(text, sender)` (the REST channel) and judge the last reply."""
    recogniser = ReplyRecogniser(knowledge, domain())
    all_ids = [procedure.id for procedure in knowledge.procedures]
    results = []
    for case in cases if cases is not None else load_cases():
        sender = f"evaluation-{uuid.uuid4().hex[:12]}"
        replies: List[Dict[str, Any]] = []
        for turn in case["turns"]:
            replies = say(turn, sender)
        observed = recogniser.recognise(replies)
        results.append(Result(case, observed, judge(case["expect"], observed, all_ids)))
    return results


def load_cases(path: Path = EVALUATION_SET) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


@dataclass
class Summary:
    by_kind: Dict[str, Dict[str, int]]
    right: int
    total: int
    wrong_procedure: int
    emergency_right: int
    emergency_total: int
    target_right_share: float = TARGET_RIGHT_SHARE

    @property
    def right_share(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def targets_met(self) -> bool:
        return (
            self.wrong_procedure == 0
            and self.right_share >= self.target_right_share
            and self.emergency_right == self.emergency_total
        )


def summarise(results: List[Result], target_right_share: float = TARGET_RIGHT_SHARE) -> Summary:
    by_kind: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for result in results:
        counts = by_kind[result.case["kind"]]
        counts["cases"] += 1
        counts[result.verdict] += 1
    emergencies = [r for r in results if r.case["expect"]["outcome"] == "emergency"]
    return Summary(
        by_kind={kind: dict(counts) for kind, counts in by_kind.items()},
        right=sum(r.verdict == "right" for r in results),
        total=len(results),
        wrong_procedure=sum(r.verdict == "wrong procedure" for r in results),
        emergency_right=sum(r.verdict == "right" for r in emergencies),
        emergency_total=len(emergencies),
        target_right_share=target_right_share,
    )


def report(
    results: List[Result], with_misses: bool = True, target_right_share: float = TARGET_RIGHT_SHARE
) -> str:
    """The table per kind, the totals against the targets, and every case not right."""
    summary = summarise(results, target_right_share)
    lines = [
        f"{'kind':22} {'cases':>6} {'right':>6} {'wrong':>6} {'wrong proc.':>11} {'right %':>8}",
    ]
    for kind, counts in sorted(summary.by_kind.items()):
        share = 100 * counts.get("right", 0) / counts["cases"]
        lines.append(
            f"{kind:22} {counts['cases']:>6} {counts.get('right', 0):>6} {counts.get('wrong', 0):>6} "
            f"{counts.get('wrong procedure', 0):>11} {share:>7.1f}%"
        )
    lines += [
        "",
        f"Right outcomes: {summary.right}/{summary.total} = {100 * summary.right_share:.1f}% "
        f"(target ≥ {100 * summary.target_right_share:.0f}%)",
        f"Wrong-procedure answers: {summary.wrong_procedure} (target 0)",
        f"Emergency messages answered with the emergency instruction: "
        f"{summary.emergency_right}/{summary.emergency_total} (target all)",
        f"Targets: {'MET' if summary.targets_met else 'MISSED'}",
    ]
    misses = [r for r in results if r.verdict != "right"]
    if misses and not with_misses:
        # What went wrong, without the cases' words: expected and observed outcomes and question
        # kinds, counted per kind of case (a confusion table).
        shapes = Counter(
            f"{r.case['kind']}: {_expected_shape(r.case['expect'])} -> {_observed_shape(r)}" for r in misses
        )
        lines += ["", "Cases not right, by shape (kind: expected -> observed):"]
        lines += [f"- {count} × {shape}" for shape, count in sorted(shapes.items())]
    if misses and with_misses:
        lines += ["", "Cases not right (kind | turns | expected | observed):"]
        for result in misses:
            expected = " ".join(str(v) for v in result.case["expect"].values())
            turns = " / ".join(result.case["turns"])
            observed = " + ".join(o.describe() for o in result.observed)
            lines.append(f"- [{result.verdict}] {result.case['kind']} | {turns} | {expected} | {observed}")
    return "\n".join(lines)


def _expected_shape(expected: Dict[str, Any]) -> str:
    if expected["outcome"] != "answer":
        return expected["outcome"]
    entries = expected_answers(expected)
    kinds = [entry.get("aspect") or f"not_covered {entry.get('not_covered')}" for entry in entries]
    procedures = {entry["procedure"] for entry in entries if "procedure" in entry}
    organ = " with organ" if any("organ" in entry for entry in entries) else ""
    return f"answer [{', '.join(kinds)}] of {len(procedures)} procedure(s){organ}"


def _observed_shape(result: Result) -> str:
    shapes = []
    for observed in result.observed:
        if observed.outcome == "answer":
            organ = " with organ" if observed.organ else ""
            shapes.append(f"answer {observed.question_kind}{organ}")
        elif observed.outcome == "clarify":
            shapes.append(f"clarify among {len(observed.candidates)}")
        else:
            shapes.append(" ".join(filter(None, [observed.outcome, observed.topic])))
    return " + ".join(shapes)
