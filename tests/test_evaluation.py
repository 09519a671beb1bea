"""The end-to-end evaluation (`make evaluate`) holds its targets in `make test` too."""

from __future__ import annotations

import re

import pytest

from assistant import answers
from channels.domain import domain
from harness.evaluation import (
    EVALUATION_SET,
    FURTHER_EVALUATION_SETS,
    TARGET_RIGHT_SHARE,
    Observed,
    ReplyRecogniser,
    Result,
    evaluate,
    judge,
    load_cases,
    report,
    summarise,
)
from harness.servers import REPO_ROOT

REPO_DATA = REPO_ROOT / "data"


def test_the_evaluation_sets_are_large_enough_and_separate_from_training():
    cases = load_cases()
    hard_kinds = {"not_described", "ambiguous", "symptom", "variant", "question_kind", "beyond_page"}
    assert len(cases) >= 300
    assert sum(case["kind"] in hard_kinds for case in cases) >= 80
    training = "".join(path.read_text(encoding="utf-8") for path in REPO_DATA.glob("**/*.yml")).lower()
    # Training examples as plain text: "[biopsie](procedure)" is "biopsie".
    training = re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", training)
    # The judged message is the last turn; earlier turns only set the scene
    # ("bonjour" before the question) and may be as common as a greeting.
    for path in [EVALUATION_SET, *FURTHER_EVALUATION_SETS]:
        for case in load_cases(path) if path.exists() else []:
            judged = case["turns"][-1]
            assert f"- {judged.lower()}\n" not in training, f"{path.name}: {judged}"


@pytest.mark.timeout(900)  # every case of the set through the servers
def test_no_wrong_procedure_and_the_targets_of_the_evaluation(assistant, knowledge):
    results = evaluate(assistant.say, knowledge)
    summary = summarise(results)
    print(report(results))
    assert summary.wrong_procedure == 0, report(results)
    assert summary.emergency_right == summary.emergency_total, report(results)
    # make evaluate judges against TARGET_RIGHT_SHARE; here a point of tolerance
    # for the small differences a retraining on another machine can make.
    assert summary.right_share >= TARGET_RIGHT_SHARE - 0.01, report(results)


def test_the_judge_counts_another_variant_as_a_wrong_answer_and_every_case_as_imprecise():
    ids = ["biopsie", "nephrostomie"]
    expected = {"outcome": "answer", "procedure": "biopsie", "aspect": "hospital_stay", "organ": "profond"}
    assert judge(expected, [Observed("answer", "biopsie", "hospital_stay", "profond")], ids) == "right"
    lung = [Observed("answer", "biopsie", "hospital_stay", "poumon")]
    assert judge(expected, lung, ids) == "wrong procedure"
    assert judge(expected, [Observed("answer", "biopsie", "hospital_stay", None)], ids) == "wrong"
    assert judge(expected, [Observed("answer", "nephrostomie", "hospital_stay")], ids) == "wrong procedure"
    not_covered = {"outcome": "not_described"}
    assert judge(not_covered, [Observed("out_of_scope")], ids) == "right"
    assert judge(not_covered, [Observed("answer", "biopsie", "duration")], ids) == "wrong procedure"


def test_the_judge_wants_every_question_of_a_message_answered_and_no_other_procedure():
    ids = ["biopsie", "nephrostomie", "infiltration"]
    two_kinds = {
        "outcome": "answer",
        "answers": [
            {"procedure": "biopsie", "aspect": "duration"},
            {"procedure": "biopsie", "aspect": "anaesthesia"},
        ],
    }
    duration = Observed("answer", "biopsie", "duration")
    anaesthesia = Observed("answer", "biopsie", "anaesthesia")
    assert judge(two_kinds, [duration, anaesthesia], ids) == "right"
    assert judge(two_kinds, [anaesthesia, duration], ids) == "right"
    assert judge(two_kinds, [duration], ids) == "wrong"
    assert judge(two_kinds, [duration, anaesthesia, Observed("answer", "nephrostomie", "duration")], ids) == (
        "wrong procedure"
    )
    with_topic = {
        "outcome": "answer",
        "answers": [{"procedure": "infiltration", "aspect": "duration"}, {"not_covered": "driving"}],
    }
    infiltration = Observed("answer", "infiltration", "duration")
    assert judge(with_topic, [infiltration, Observed("not_covered")], ids) == "right"
    assert judge(with_topic, [infiltration], ids) == "wrong"
    assert judge({"outcome": "not_covered", "topic": "fasting"}, [Observed("out_of_scope")], ids) == "right"


def test_the_judge_reads_the_pain_reply_about_a_procedure_as_its_anaesthesia_fact():
    ids = ["biopsie", "nephrostomie"]
    pain_of_the_biopsy = Observed("general", procedure="biopsie", topic="pain_relief")
    anaesthesia = {"outcome": "answer", "procedure": "biopsie", "aspect": "anaesthesia"}
    assert judge(anaesthesia, [pain_of_the_biopsy], ids) == "right"
    other = {"outcome": "answer", "procedure": "nephrostomie", "aspect": "anaesthesia"}
    assert judge(other, [pain_of_the_biopsy], ids) == "wrong procedure"
    assert judge({"outcome": "clarify", "candidates": ids}, [pain_of_the_biopsy], ids) == "wrong procedure"
    # Asked about pain in general, the reply is right, with or without the procedure discussed.
    general = {"outcome": "general", "topic": "pain_relief"}
    assert judge(general, [pain_of_the_biopsy], ids) == "right"
    assert judge(general, [Observed("general", topic="pain_relief")], ids) == "right"


def test_a_not_covered_reply_about_a_described_procedure_is_recognised_as_not_covered(knowledge):
    """ "On va m'injecter de la cortisone près du nerf. Je pourrai conduire ?": the reply names the
    procedure described, then says the page is silent on driving; another procedure's is not it."""
    recogniser = ReplyRecogniser(knowledge, domain())
    infiltration, biopsy = knowledge.procedure("infiltration"), knowledge.procedure("biopsie")
    opening = answers.procedure_described(infiltration) + "\n"
    silent = answers.not_covered_topic(knowledge, "driving", infiltration).text
    assert recogniser.recognise([{"text": opening + silent}])[0].outcome == "not_covered"
    other = answers.not_covered_topic(knowledge, "driving", biopsy).text
    assert recogniser.recognise([{"text": opening + other}])[0].outcome == "unrecognised"


def test_the_misses_of_a_blind_set_are_summed_up_by_shape_without_their_words():
    case = {
        "kind": "negation",
        "turns": ["pas la biopsie, l'autre : ça dure combien ?"],
        "expect": {"outcome": "answer", "procedure": "nephrostomie", "aspect": "duration"},
    }
    asked_which = Observed("clarify", candidates=["infiltration", "nephrostomie"])
    right = {
        "kind": "stay",
        "turns": ["je reste combien ?"],
        "expect": {"outcome": "clarify", "candidates": "all"},
    }
    results = [Result(case, [asked_which], "wrong"), Result(right, [asked_which], "right")]
    text = report(results, with_misses=False)
    assert "- 1 × negation: answer [duration] of 1 procedure(s) -> clarify among 2" in text
    assert "pas la biopsie" not in text and "stay:" not in text.split("by shape")[1]
