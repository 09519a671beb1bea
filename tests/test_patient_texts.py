"""The French patients read: patterns that read badly, checked on every text the assistant can say
(the knowledge file's facts, every reply composed from them, the fixed texts of domain.yml)."""

from __future__ import annotations

import re

import pytest
import yaml

from assistant import answers
from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit

# A fact can be shown alone, under a heading: its first word must not point to something
# said before ("Il demande une très courte hospitalisation").
PRONOUNS = {"il", "elle", "ils", "elles", "cela", "ça", "ceci", "celle-ci", "celui-ci", "c'est", "ce"}
# A capital letter right after a colon inside a line ("De manière générale : Votre…").
CAPITAL_AFTER_COLON = re.compile(r" : [A-ZÀÂÉÈÊÎÔÛÇ][a-zàâéèêëîïôûùç]")
# "The information does not describe a vaccination": "ne décrivent pas une vaccination".
NEGATED_INDEFINITE = re.compile(r"\bne (?:décrivent|parlent|précisent|disent) pas (?:un|une) ")


def facts_shown_alone(knowledge):
    """(where, text) of every fact as it can be read on its own: facts, variants, general facts."""
    for procedure in knowledge.procedures:
        for aspect, fact in procedure.facts:
            if fact.is_known:
                yield f"{procedure.id}/{aspect}", fact.answer
            for organ_id, variant in fact.by_organ.items():
                # A variant reads "pour un tissu profond, <clause>": the clause stands alone too.
                yield f"{procedure.id}/{aspect}/{organ_id}", variant.split(", ", 1)[-1]
    for topic, fact in knowledge.general:
        yield f"general/{topic}", fact.answer
    for act in knowledge.not_described:
        if act.mentioned.is_known:
            yield f"not_described/{act.id}", act.mentioned.answer


def every_text(knowledge):
    for label, reply in answers.all_replies(knowledge).items():
        yield label, reply.text
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            yield name, variant.get("text", "")


def test_no_fact_opens_with_a_pronoun_that_refers_to_nothing(knowledge):
    opening = {where: text.split()[0].lower().strip(",") for where, text in facts_shown_alone(knowledge)}
    assert len(opening) > 20
    assert {where: word for where, word in opening.items() if word in PRONOUNS} == {}


def test_no_capital_letter_after_a_colon_inside_a_sentence(knowledge):
    texts = dict(every_text(knowledge))
    assert len(texts) > 50
    found = {label: m.group() for label, text in texts.items() if (m := CAPITAL_AFTER_COLON.search(text))}
    assert found == {}


def test_no_negation_before_an_indefinite_article(knowledge):
    texts = dict(every_text(knowledge))
    found = {label: m.group() for label, text in texts.items() if (m := NEGATED_INDEFINITE.search(text))}
    assert found == {}


@pytest.mark.parametrize(
    "bad",
    [
        "pour une biopsie du poumon, il demande une très courte hospitalisation.",
        "Il se déplace dans les artères.",
    ],
)
def test_the_pronoun_check_catches_the_patterns_it_is_for(bad):
    clause = bad.split(", ", 1)[-1]
    assert clause.split()[0].lower() in PRONOUNS


def test_the_colon_and_negation_checks_catch_the_patterns_they_are_for():
    assert CAPITAL_AFTER_COLON.search("De manière générale : Votre confort compte.")
    assert not CAPITAL_AFTER_COLON.search("Biopsie d'organe — durée :\nLe geste dure…")
    assert NEGATED_INDEFINITE.search("Les informations de la clinique ne décrivent pas une vaccination.")
