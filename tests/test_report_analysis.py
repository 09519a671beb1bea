"""reports/analysis.py on conversations written as Rasa writes them (Rasa's own event classes):
the cases the servers cannot easily produce on demand, such as an action failure."""

from __future__ import annotations

from typing import List, Tuple

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered

from assistant.answers import answer_record
from reports.analysis import (
    clarifications,
    conversations_from_events,
    ending,
    facts_to_add,
    feedback_per_answer,
    group_similar,
    procedure_aspect_counts,
    summarise,
)

DAY = 86400


def user(text: str, intent: str, ranking: Tuple[Tuple[str, float], ...] = ()) -> UserUttered:
    ranking_list = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    parse_data = {
        "intent": {"name": intent, "confidence": ranking[0][1] if ranking else 1.0},
        "intent_ranking": ranking_list,
        "entities": [],
        "text": text,
    }
    return UserUttered(text, intent=parse_data["intent"], parse_data=parse_data)


def answered(action: str, **record) -> List[Event]:
    return [ActionExecuted(action), BotUttered("…", metadata={"answer": answer_record(**record)})]


def stored(sender: str, *events: Event) -> List[Tuple[str, dict]]:
    """The events of one conversation as the store gives them: (sender id, event dict)."""
    start = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    return [(sender, event.as_dict()) for event in [*start, *events]]


def test_an_action_that_sent_nothing_is_an_action_failure():
    [conversation] = conversations_from_events(
        stored(
            "a",
            user("combien de temps dure une biopsie ?", "ask_duration"),
            ActionExecuted("action_answer"),  # its events lost: no message
            ActionExecuted("action_listen"),
        )
    )
    assert [turn.outcome for turn in conversation.turns] == ["action_failure"]
    assert ending(conversation) == "action_failure"


def test_endings_emergency_anywhere_else_the_last_question():
    events = [
        *stored(
            "emergency",
            user("j'ai de la fièvre", "urgent_symptoms"),
            ActionExecuted("utter_emergency"),
            BotUttered("Appelez le 15"),
            user("merci", "thank"),
            ActionExecuted("utter_thank"),
            BotUttered("Je vous en prie"),
        ),
        *stored(
            "answered-then-thanks",
            user("durée biopsie", "ask_duration"),
            *answered(
                "action_answer",
                outcome="not_stated",
                procedure="biopsie",
                aspect="duration",
            ),
            user("ça ne répond pas à ma question", "feedback_not_helpful"),
            *answered("action_record_feedback", outcome="feedback"),
            SlotSet("feedback", "not_helpful"),
        ),
        *stored(
            "clarification-left",
            user("combien de temps dure un drainage", "ask_duration"),
            *answered(
                "action_answer",
                outcome="clarify",
                aspect="duration",
                candidates=["biliaire", "nephrostomie"],
            ),
        ),
        *stored("greeting", user("bonjour", "greet"), *answered("action_answer", outcome="greeting")),
    ]
    endings = {c.sender_id: ending(c) for c in conversations_from_events(events)}

    assert endings == {
        "emergency": "emergency",
        "answered-then-thanks": "answered",
        "clarification-left": "clarification_left",
        "greeting": "no_question",
    }


def test_feedback_goes_to_the_answer_before_it_and_clarifications_to_the_choice():
    [conversation] = conversations_from_events(
        stored(
            "c",
            user("combien de temps dure un drainage", "ask_duration"),
            *answered(
                "action_answer",
                outcome="clarify",
                aspect="duration",
                candidates=["biliaire", "nephrostomie"],
            ),
            user('/inform_procedure{"procedure": "nephrostomie"}', "inform_procedure"),
            *answered(
                "action_answer",
                outcome="not_stated",
                procedure="nephrostomie",
                aspect="duration",
            ),
            user("merci, c'est clair", "thank"),
            ActionExecuted("utter_thank"),
            BotUttered("Je vous en prie"),
            user("/feedback_helpful", "feedback_helpful"),
            *answered("action_record_feedback", outcome="feedback"),
            SlotSet("feedback", "helpful"),
        )
    )
    [feedback] = feedback_per_answer([conversation])
    assert (feedback.procedure, feedback.aspect, feedback.outcome) == (
        "nephrostomie",
        "duration",
        "not_stated",
    )
    assert (feedback.helpful, feedback.not_helpful) == (1, 0)

    [clarification] = clarifications([conversation])
    assert clarification.candidates == ("biliaire", "nephrostomie")
    assert dict(clarification.chosen) == {"nephrostomie": 1}
    # A button's payload is not the patient's words: nothing of it is quoted.
    assert conversation.turns[1].text == ""


def test_not_stated_pairs_asked_most_first_ties_in_the_knowledge_files_order():
    events = []
    for number, (procedure, aspect) in enumerate(
        [
            ("biopsie", "duration"),
            ("infiltration", "anaesthesia"),
            ("biopsie", "duration"),
            ("angiographie", "risks"),
        ]
    ):
        events += stored(
            f"s{number}",
            user("question", f"ask_{aspect}"),
            *answered(
                "action_answer", outcome="not_stated", procedure=procedure, aspect=aspect
            ),
        )
    events += stored(
        "fact",
        user("à quoi sert une biopsie", "ask_purpose"),
        *answered("action_answer", outcome="fact", procedure="biopsie", aspect="purpose"),
    )
    pairs = procedure_aspect_counts(conversations_from_events(events))
    order = [("infiltration", "anaesthesia"), ("biopsie", "duration"), ("angiographie", "risks")]

    listed = [(p.procedure, p.aspect, p.not_stated) for p in facts_to_add(pairs, order)]

    assert listed == [
        ("biopsie", "duration", 2),
        ("infiltration", "anaesthesia", 1),
        ("angiographie", "risks", 1),
    ]
    assert (pairs[("biopsie", "purpose")].fact, pairs[("biopsie", "purpose")].not_stated) == (1, 0)


def test_messages_not_understood_are_grouped_by_their_words_most_frequent_first():
    turns = []
    for number, text in enumerate(
        ["où se garer ?", "Où se garer", "combien ça coûte", "où peut-on se garer ?", "combien ça coûte ?"]
    ):
        events = stored(
            f"g{number}",
            user(text, "nlu_fallback", (("nlu_fallback", 0.5), ("ask_location", 0.4), ("out_of_scope", 0.1))),
            *answered("action_answer", outcome="fallback"),
        )
        turns += conversations_from_events(events)[0].turns

    groups = group_similar(turns)

    assert [group.count for group in groups] == [3, 2]
    assert set(groups[0].texts) == {"où se garer ?", "Où se garer", "où peut-on se garer ?"}
    # The NLU's first guess other than the fallback itself, and its confidence.
    assert groups[0].guesses.most_common(1)[0] == ("ask_location", 3)
    assert abs(groups[0].mean_confidence - 0.4) < 1e-9


def test_a_period_without_conversations_has_every_day_and_nothing_else():
    summary = summarise([], since=0.0, until=3 * DAY - 1, pair_order=[])

    assert summary.conversations == 0 and summary.patient_messages == 0
    assert list(summary.per_day.values()) == [0, 0, 0]
    assert not summary.facts_to_add and not summary.unanswered_groups and not summary.feedback


def test_a_message_asking_two_things_counts_each_kind_answered():
    events = stored(
        "two",
        user("combien de temps dure la biopsie et est-ce qu'on m'endort ?", "ask_duration"),
        ActionExecuted("action_answer"),
        BotUttered("…", metadata={"answer": answer_record("not_stated", "biopsie", "duration")}),
        BotUttered("…", metadata={"answer": answer_record("fact", "biopsie", "anaesthesia")}),
    )
    pairs = procedure_aspect_counts(conversations_from_events(events))
    assert (pairs[("biopsie", "duration")].not_stated, pairs[("biopsie", "anaesthesia")].fact) == (1, 1)
