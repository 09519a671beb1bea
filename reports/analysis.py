"""What the stored conversations show, for the staff report: plain functions of Rasa's events.

Every turn is read from what the conversation recorded, never guessed from the wording: the `answer`
record each action attaches to its message (assistant/answers.py, `answer_record`: the outcome, the
procedure, the question kind, the procedures offered), the `feedback` slot, the emergency response,
and a custom action that ran without sending anything (its events were lost: an action failure).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa.shared.core.constants import DEFAULT_ACTION_NAMES

from assistant.answers import FEEDBACK_OUTCOMES
from knowledge.words import is_payload, normalize

EMERGENCY_ACTION = "utter_emergency"
FEEDBACK_SLOT = "feedback"
# How a conversation ended, in the report's order.
ENDINGS = (
    "answered",
    "clarification_left",
    "fallback",
    "out_of_scope",
    "emergency",
    "action_failure",
    "no_question",
)
# Outcomes that answer a question about the procedures (an honest "not described" or "the page
# does not cover it" included).
ANSWERED_OUTCOMES = (
    "fact",
    "not_stated",
    "overview",
    "general",
    "procedure_list",
    "not_described",
    "not_covered",
)
# Replies that are not an answer to a question: they leave the conversation's ending as it was.
PASSING_OUTCOMES = ("greeting", "feedback", "smalltalk", "none")
# Two messages whose word sets overlap this much (Jaccard) are grouped as the same question.
SIMILAR_WORDS = 0.5
# Words too common to make two messages alike.
COMMON_WORDS = frozenset(
    "a au aux c ca ce de des du en est et il j je l la le les m me mon ma n ne on ou pas pour qu que "
    "quoi qui se sur t tu un une vous y d s".split()
)


@dataclass
class Turn:
    """One patient message and what the assistant did with it."""

    text: str  # as stored: masked by the channels; "" for a button
    intent: Optional[str]
    first_guess: Optional[str]  # the NLU's best intent other than nlu_fallback
    confidence: Optional[float]
    timestamp: float
    outcome: str = "none"  # an answers.REPLY_OUTCOMES value, "emergency", "action_failure", "smalltalk"
    procedure: Optional[str] = None
    aspect: Optional[str] = None
    candidates: List[str] = field(default_factory=list)
    # Every answer about one kind of question of one procedure in the turn's reply (a message
    # asking two things has two): (outcome, procedure, aspect).
    answers: List[Tuple[str, str, str]] = field(default_factory=list)
    feedback: Optional[str] = None  # given on this turn (the patient's feedback message)
    custom_action_ran: bool = False
    answered: bool = False


@dataclass
class Conversation:
    sender_id: str
    turns: List[Turn] = field(default_factory=list)
    bot_messages: int = 0

    @property
    def started(self) -> float:
        return self.turns[0].timestamp


def _first_guess(parse_data: Dict[str, Any]) -> Tuple[Optional[str], Optional[float]]:
    intent = parse_data.get("intent") or {}
    ranking = [entry for entry in parse_data.get("intent_ranking") or [] if isinstance(entry, dict)]
    for entry in ranking:
        if entry.get("name") and entry.get("name") != "nlu_fallback":
            return entry.get("name"), entry.get("confidence")
    return intent.get("name"), intent.get("confidence")


def _user_turn(event: Dict[str, Any]) -> Turn:
    parse_data = event.get("parse_data") or {}
    text = event.get("text") or ""
    intent = (parse_data.get("intent") or {}).get("name")
    guess, confidence = _first_guess(parse_data)
    return Turn(
        text="" if is_payload(text) else text,  # a button's payload is not the patient's words
        intent=intent,
        first_guess=guess,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        timestamp=float(event.get("timestamp") or 0.0),
    )


def _apply_bot_message(turn: Turn, event: Dict[str, Any]) -> None:
    record = (event.get("metadata") or {}).get("answer")
    if isinstance(record, dict) and isinstance(record.get("outcome"), str):
        turn.outcome = record["outcome"]
        turn.procedure = record.get("procedure")
        turn.aspect = record.get("aspect")
        if turn.outcome in ("fact", "not_stated") and turn.procedure and turn.aspect:
            turn.answers.append((turn.outcome, turn.procedure, turn.aspect))
        candidates = record.get("candidates")
        turn.candidates = (
            [c for c in candidates if isinstance(c, str)] if isinstance(candidates, list) else []
        )
    turn.answered = True


def _apply_action(turn: Turn, name: str) -> None:
    if name == EMERGENCY_ACTION:
        turn.outcome = "emergency"
        turn.answered = True
    elif name.startswith("utter_"):
        if turn.outcome == "none":
            turn.outcome = "smalltalk"
        turn.answered = True
    elif name.startswith("action_") and name not in DEFAULT_ACTION_NAMES:  # Rasa's own: listen, session...
        turn.custom_action_ran = True


def conversations_from_events(events: Iterable[Tuple[str, Dict[str, Any]]]) -> List[Conversation]:
    """The conversations (with at least one patient message) of events ordered by conversation."""
    conversations: List[Conversation] = []
    current: Optional[Conversation] = None
    for sender_id, event in events:
        if current is None or current.sender_id != sender_id:
            current = Conversation(sender_id)
            conversations.append(current)
        kind = event.get("event")
        if kind == "user":
            current.turns.append(_user_turn(event))
            continue
        turn = current.turns[-1] if current.turns else None
        if kind == "bot":
            current.bot_messages += 1
            if turn is not None:
                _apply_bot_message(turn, event)
        elif turn is None:
            continue  # before the first message: the session start
        elif kind == "action" and isinstance(event.get("name"), str):
            _apply_action(turn, event["name"])
        elif kind == "slot" and event.get("name") == FEEDBACK_SLOT and isinstance(event.get("value"), str):
            turn.feedback = event["value"]
    for conversation in conversations:
        for turn in conversation.turns:
            if turn.custom_action_ran and not turn.answered and turn.outcome != "emergency":
                turn.outcome = "action_failure"
    return [conversation for conversation in conversations if conversation.turns]


def ending(conversation: Conversation) -> str:
    """How a conversation ended: an emergency anywhere, else its last question's outcome."""
    outcomes = [turn.outcome for turn in conversation.turns]
    if "emergency" in outcomes:
        return "emergency"
    asked = [outcome for outcome in outcomes if outcome not in PASSING_OUTCOMES]
    if not asked:
        return "no_question"
    last = asked[-1]
    if last in ANSWERED_OUTCOMES:
        return "answered"
    if last == "clarify":
        return "clarification_left"
    return last  # fallback, out_of_scope, action_failure


@dataclass
class PairCount:
    procedure: str
    aspect: str
    fact: int = 0
    not_stated: int = 0

    @property
    def asked(self) -> int:
        return self.fact + self.not_stated


def procedure_aspect_counts(conversations: Sequence[Conversation]) -> Dict[Tuple[str, str], PairCount]:
    """(procedure, question kind) -> how often it was answered with a fact, and with "not stated":
    each kind of a message that asked several counts once."""
    pairs: Dict[Tuple[str, str], PairCount] = {}
    for conversation in conversations:
        for turn in conversation.turns:
            for outcome, procedure, aspect in turn.answers:
                pair = pairs.setdefault((procedure, aspect), PairCount(procedure, aspect))
                setattr(pair, outcome, getattr(pair, outcome) + 1)
    return pairs


def facts_to_add(
    pairs: Dict[Tuple[str, str], PairCount], order: Sequence[Tuple[str, str]]
) -> List[PairCount]:
    """The "not stated" pairs, asked most first (ties in the knowledge file's `order`)."""
    rank = {pair: position for position, pair in enumerate(order)}
    missing = [pair for pair in pairs.values() if pair.not_stated]
    return sorted(
        missing, key=lambda p: (-p.not_stated, rank.get((p.procedure, p.aspect), len(rank)), p.procedure)
    )


def words_of(text: str) -> frozenset:
    """The meaningful words of a message, lower case and without accents."""
    return frozenset(word for word in normalize(text).split() if word not in COMMON_WORDS)


@dataclass
class MessageGroup:
    """Messages alike (by their words), with what the NLU first guessed for them."""

    words: frozenset
    texts: Counter = field(default_factory=Counter)
    guesses: Counter = field(default_factory=Counter)
    confidences: List[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    @property
    def mean_confidence(self) -> Optional[float]:
        return sum(self.confidences) / len(self.confidences) if self.confidences else None


def group_similar(turns: Iterable[Turn]) -> List[MessageGroup]:
    """Turns grouped by their words (each joins the first group close enough), most frequent first."""
    groups: List[MessageGroup] = []
    groups_of_word: Dict[str, List[int]] = defaultdict(list)
    for turn in turns:
        words = words_of(turn.text)
        best, best_score = None, 0.0
        for index in {index for word in words for index in groups_of_word[word]}:
            group_words = groups[index].words
            score = len(words & group_words) / len(words | group_words)
            if score > best_score:
                best, best_score = index, score
        if best is None or best_score < SIMILAR_WORDS:
            if not words:
                words = frozenset({turn.text.strip().lower()})
            best = len(groups)
            groups.append(MessageGroup(words))
            for word in words:
                groups_of_word[word].append(best)
        group = groups[best]
        group.texts[turn.text.strip()] += 1
        group.guesses[turn.first_guess or "?"] += 1
        group.outcomes[turn.outcome] += 1
        if turn.confidence is not None:
            group.confidences.append(turn.confidence)
    return sorted(groups, key=lambda group: -group.count)


@dataclass
class Clarification:
    candidates: Tuple[str, ...]
    asked: int = 0
    chosen: Counter = field(default_factory=Counter)  # procedure id, "other" or "left"


def clarifications(conversations: Sequence[Conversation]) -> List[Clarification]:
    """Each clarifying question (by the procedures it offered) and what patients did next."""
    by_candidates: Dict[Tuple[str, ...], Clarification] = {}
    for conversation in conversations:
        turns = conversation.turns
        for position, turn in enumerate(turns):
            if turn.outcome != "clarify":
                continue
            key = tuple(turn.candidates)
            clarification = by_candidates.setdefault(key, Clarification(key))
            clarification.asked += 1
            following = turns[position + 1] if position + 1 < len(turns) else None
            if following is None:
                clarification.chosen["left"] += 1
            elif following.procedure and following.outcome in ("fact", "not_stated", "overview"):
                clarification.chosen[following.procedure] += 1
            else:
                clarification.chosen["other"] += 1
    return sorted(by_candidates.values(), key=lambda c: -c.asked)


@dataclass
class FeedbackCount:
    procedure: Optional[str]
    aspect: Optional[str]
    outcome: Optional[str]  # fact or not_stated; None when no answer came before
    helpful: int = 0
    not_helpful: int = 0


def feedback_per_answer(conversations: Sequence[Conversation]) -> List[FeedbackCount]:
    """The patients' feedback, each on the latest answer with a fact or "not stated" before it."""
    counts: Dict[Tuple[Any, ...], FeedbackCount] = {}
    for conversation in conversations:
        answer: Optional[Turn] = None
        for turn in conversation.turns:
            if turn.outcome in FEEDBACK_OUTCOMES:
                answer = turn
            if turn.feedback in ("helpful", "not_helpful"):
                key = (answer.procedure, answer.aspect, answer.outcome) if answer else (None, None, None)
                count = counts.setdefault(key, FeedbackCount(*key))
                setattr(count, turn.feedback, getattr(count, turn.feedback) + 1)
    return sorted(counts.values(), key=lambda c: (-c.not_helpful, -c.helpful))


@dataclass
class Summary:
    """Everything the report shows for one period."""

    since: float
    until: float
    conversations: int
    patient_messages: int
    assistant_messages: int
    endings: Counter
    pairs: Dict[Tuple[str, str], PairCount]
    facts_to_add: List[PairCount]
    unanswered_groups: List[MessageGroup]
    clarifications: List[Clarification]
    feedback: List[FeedbackCount]
    per_day: Dict[str, int]


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def summarise(
    conversations: Sequence[Conversation], since: float, until: float, pair_order: Sequence[Tuple[str, str]]
) -> Summary:
    per_day: Dict[str, int] = {}
    day = since
    while day_of(day) <= day_of(until):
        per_day[day_of(day)] = 0
        day += 86400
    for conversation in conversations:
        per_day[day_of(conversation.started)] = per_day.get(day_of(conversation.started), 0) + 1
    pairs = procedure_aspect_counts(conversations)
    unanswered = (
        turn
        for conversation in conversations
        for turn in conversation.turns
        if turn.outcome in ("fallback", "out_of_scope") and turn.text
    )
    return Summary(
        since=since,
        until=until,
        conversations=len(conversations),
        patient_messages=sum(len(c.turns) for c in conversations),
        assistant_messages=sum(c.bot_messages for c in conversations),
        endings=Counter(ending(c) for c in conversations),
        pairs=pairs,
        facts_to_add=facts_to_add(pairs, pair_order),
        unanswered_groups=group_similar(unanswered),
        clarifications=clarifications(conversations),
        feedback=feedback_per_answer(conversations),
        per_day=dict(sorted(per_day.items())),
    )
