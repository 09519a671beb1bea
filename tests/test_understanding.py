"""What a message asks (assistant/understanding.py), checked against the knowledge file's own lists:
every generic word, look-alike act, out-of-scope site, question word and emergency sign."""

from __future__ import annotations

import itertools
import random

import pytest

from assistant.understanding import decide, read_message
from knowledge import KnowledgeIndex, load_knowledge
from knowledge.words import Vocabulary, normalize, sounds_like
from tests.conftest import KNOWLEDGE_FILE

pytestmark = pytest.mark.unit

KNOWLEDGE = load_knowledge(KNOWLEDGE_FILE)
INDEX = KnowledgeIndex(KNOWLEDGE)
ALL_IDS = [procedure.id for procedure in KNOWLEDGE.procedures]


def decision_for(text, intent=None, **slots):
    return decide(INDEX, read_message(INDEX, text), intent, slots)


@pytest.mark.parametrize("procedure", KNOWLEDGE.procedures, ids=lambda p: p.id)
def test_every_name_of_a_procedure_is_answered_for_that_procedure(procedure):
    for word in procedure.patient_words:
        decision = decision_for(f"combien de temps dure {word} ?")
        assert (decision.outcome, decision.procedure, decision.question_kinds) == (
            "answer",
            procedure.id,
            ["duration"],
        ), word


@pytest.mark.parametrize("act", KNOWLEDGE.not_described, ids=lambda act: act.id)
def test_acts_the_page_does_not_describe_never_get_a_procedure_answer(act):
    for word in act.patient_words:
        decision = decision_for(f"combien de temps dure {word} ?")
        assert (decision.outcome, decision.other_act) == ("not_described", act.id), word


@pytest.mark.parametrize(
    "procedure", [p for p in KNOWLEDGE.procedures if p.scope.outside_words], ids=lambda p: p.id
)
def test_a_covered_procedure_on_a_site_outside_its_scope_is_not_answered(procedure):
    name = procedure.patient_words[0]
    for site in procedure.scope.outside_words:
        decision = decision_for(f"{name} {site}, est-ce qu'on m'endort ?")
        assert decision.outcome == "not_described", site
        assert decision.procedure is None


def test_a_site_outside_the_scope_told_in_a_comparison_is_no_site_of_the_act():
    text = "des petits tubes dans les artères, un peu comme pour le cœur mais pour le ventre. Pourquoi ?"
    decision = decision_for(text, "ask_purpose")
    assert (decision.outcome, decision.candidates) == ("clarify", ["angiographie"])


def test_an_act_mentioned_within_the_procedure_discussed_is_part_of_its_question():
    slots = {"procedure": "biliaire", "aspects": ["overview"]}
    text = "mon gastro-entérologue ne pourrait pas plutôt s'en occuper par les voies naturelles ?"
    assert asked_of(decision_for(text, "ask_overview", **slots)) == [("biliaire", "alternatives")]
    # With another procedure discussed, it is an act the page does not describe.
    other = decision_for(text, "ask_overview", procedure="biopsie", aspects=["overview"])
    assert (other.outcome, other.other_act) == ("not_described", "cpre")


def test_an_organ_corrected_to_a_word_no_list_knows_is_not_carried():
    slots = {"procedure": "biopsie", "organ": "poumon", "aspects": ["overview"]}
    corrected = decision_for("non pardon c'est la thyroïde, je reste combien ?", "ask_hospital_stay", **slots)
    assert [(a.procedure, a.kind, a.organ) for a in corrected.asked] == [("biopsie", "hospital_stay", None)]
    # A correction of the question keeps the organ.
    question = decision_for(
        "ah non pardon, je voulais dire combien de temps je reste", "ask_duration", **slots
    )
    assert [(a.procedure, a.kind, a.organ) for a in question.asked] == [
        ("biopsie", "hospital_stay", "poumon")
    ]
    # "au niveau du poumon" says where, it asks nothing.
    site = decision_for("elle est profonde, au niveau du poumon ? je reste ?", "ask_hospital_stay", **slots)
    assert [(a.kind, a.organ) for a in site.asked] == [("hospital_stay", "poumon")]


def test_a_correction_keeps_the_question_asked_before():
    slots = {"procedure": "thermoablation", "aspects": ["anaesthesia"]}
    text = "pardon, je parlais de l'infiltration, pas de la thermoablation"
    assert asked_of(decision_for(text, "ask_overview", **slots)) == [("infiltration", "anaesthesia")]


def test_a_precise_question_on_an_act_of_interventional_radiology_asks_which():
    text = "je vais avoir un geste de radiologie interventionnelle le 12, est-ce que je sors le jour même ?"
    decision = decision_for(text, "ask_interventional_radiology")
    assert decision.outcome == "clarify" and len(decision.candidates) == len(KNOWLEDGE.procedures)
    assert decision_for(
        "c'est quoi la radiologie interventionnelle ?", "ask_interventional_radiology"
    ).outcome in (
        "general",
        "none",
    )


@pytest.mark.parametrize("follow_up", ["ça dure combien ?", "et ça sert à quoi ?", "c'est remboursé ?"])
def test_a_follow_up_after_an_act_not_described_is_about_that_act(follow_up):
    act = KNOWLEDGE.not_described[0]
    decision = decision_for(follow_up, "ask_duration", act_not_described=act.id)
    assert (decision.outcome, decision.other_act) == ("not_described", act.id)
    # "infiltration du genou" / "ça sert à quoi ?"
    site = decision_for(follow_up, "ask_purpose", site_not_described=["infiltration", "genou"])
    assert (site.outcome, site.outside_site) == ("not_described", ("infiltration", "genou"))
    # A procedure named next is answered; an unknown value counts as nothing said.
    assert decision_for("et la biopsie, ça dure combien ?", act_not_described=act.id).procedure == "biopsie"
    assert decision_for(follow_up, "ask_duration", act_not_described="inconnu").outcome != "not_described"


@pytest.mark.parametrize(
    "procedure", [p for p in KNOWLEDGE.procedures if p.scope.outside_words], ids=lambda p: p.id
)
def test_a_follow_up_on_a_site_outside_the_current_procedure_is_not_answered(procedure):
    for site in procedure.scope.outside_words:
        for intent in ("inform_procedure", "ask_duration"):
            slots = {"procedure": procedure.id, "aspects": ["duration"]}
            decision = decision_for(f"et pour {site} ?", intent=intent, **slots)
            # Not described; or a question, when the site word also points to another
            # procedure ("urine": the nephrostomy).
            assert decision.outcome in ("not_described", "clarify") and decision.procedure is None, site
            if decision.outcome == "not_described" and decision.other_act is None:
                assert decision.outside_site == (procedure.id, normalize(site)), site


@pytest.mark.parametrize("group", KNOWLEDGE.ambiguous_words, ids=lambda g: g.patient_words[0])
def test_a_generic_word_alone_asks_among_its_candidates_only(group):
    for word in group.patient_words:
        decision = decision_for(f"j'ai {word} prévu la semaine prochaine, combien de temps ça dure ?")
        assert (decision.outcome, decision.candidates, decision.question_kinds) == (
            "clarify",
            group.candidates,
            ["duration"],
        ), word


@pytest.mark.parametrize("group", KNOWLEDGE.ambiguous_words, ids=lambda g: g.patient_words[0])
def test_a_generic_word_with_a_context_word_of_one_candidate_picks_it(group):
    for candidate in group.candidates:
        others = [c for c in group.candidates if c != candidate]
        procedure = KNOWLEDGE.procedure(candidate)
        shared = {w for other in others for w in KNOWLEDGE.procedure(other).context_words}
        shared |= {w for g in KNOWLEDGE.ambiguous_words for w in g.patient_words}
        context = next(w for w in procedure.context_words if w not in shared)
        decision = decision_for(f"{group.patient_words[0]} à cause de {context}, comment ça se passe ?")
        assert (decision.outcome, decision.procedure) == ("answer", candidate), context


def test_the_conversation_decides_between_candidates():
    decision = decision_for("et le drain, il reste combien de temps ?", procedure="nephrostomie")
    assert (decision.outcome, decision.procedure) == ("answer", "nephrostomie")


@pytest.mark.parametrize("procedure", KNOWLEDGE.procedures, ids=lambda p: p.id)
def test_symptoms_and_diagnoses_alone_lead_to_a_question_never_an_answer(procedure):
    for word in procedure.context_words:
        # (Asked about "l'intervention" proposed, one candidate is answered: see below.)
        decision = decision_for(f"j'ai {word}, combien de temps ça dure ?")
        assert decision.outcome in ("clarify", "not_described"), word
        if decision.outcome == "clarify":
            assert procedure.id in decision.candidates or len(decision.candidates) >= 1


@pytest.mark.parametrize("kind", list(KNOWLEDGE.question_kinds), ids=str)
def test_every_question_word_gives_its_kind(kind):
    for word in KNOWLEDGE.question_kinds[kind].patient_words:
        decision = decision_for(f"néphrostomie : {word}")
        assert kind in decision.question_kinds, word


@pytest.mark.parametrize(
    "text, kind",
    [
        ("je vais dormir à la clinique après la biopsie ?", "hospital_stay"),
        ("est-ce qu'on m'endort pour la biopsie ?", "anaesthesia"),
        ("combien de temps à l'hôpital pour une biopsie ?", "hospital_stay"),
        ("combien de temps dure la biopsie ?", "duration"),
        ("qu'est-ce qu'une biopsie ?", "overview"),
        ("qu'est ce que l'embolisation portale ?", "overview"),
    ],
)
def test_staying_overnight_is_not_anaesthesia_and_time_at_the_clinic_is_not_the_act(text, kind):
    assert decision_for(text, intent="ask_duration").question_kinds == [kind]


def test_the_question_at_the_end_of_a_long_message_is_the_one_answered():
    story = (
        "Bonjour, j'ai beaucoup de soucis avec mes reins depuis un an et je dors mal. "
        "Mon urologue veut me faire une néphrostomie et je suis inquiète. "
        "Est-ce que l'intervention est longue ?"
    )
    decision = decision_for(story, intent="ask_overview")
    assert (decision.outcome, decision.procedure, decision.question_kinds) == (
        "answer",
        "nephrostomie",
        ["duration"],
    )


def test_a_procedure_had_before_gives_way_to_the_one_proposed_now():
    story = "On m'a fait une biopsie l'an dernier. Maintenant on me propose une néphrostomie. C'est long ?"
    decision = decision_for(story)
    assert (decision.outcome, decision.procedure, decision.question_kinds) == (
        "answer",
        "nephrostomie",
        ["duration"],
    )


def test_the_most_specific_variant_wins_and_conflicting_ones_are_all_given():
    lung = next(o for o, organ in KNOWLEDGE.organs.items() if organ.more_specific_than)
    broader = KNOWLEDGE.organs[lung].more_specific_than[0]
    both = (
        f"biopsie {KNOWLEDGE.organs[broader].patient_words[0]} du {KNOWLEDGE.organs[lung].patient_words[0]}"
    )
    assert decision_for(f"{both}, je reste combien de temps ?").organ == lung
    conflict = decision_for("biopsie superficielle ou du poumon, je reste combien de temps ?")
    assert (conflict.procedure, conflict.organ) == ("biopsie", None)


def test_an_organ_follow_up_after_an_overview_answers_the_variant():
    decision = decision_for(
        "et pour le poumon ?", intent="inform_procedure", procedure="biopsie", aspects=["overview"]
    )
    varying = next(aspect for aspect, fact in KNOWLEDGE.procedure("biopsie").facts if fact.by_organ)
    assert (decision.procedure, decision.question_kinds, decision.organ) == ("biopsie", [varying], "poumon")


def test_a_question_without_any_procedure_asks_among_all():
    decision = decision_for("je reste combien de nuits ?")
    assert (decision.outcome, decision.candidates, decision.question_kinds) == (
        "clarify",
        ALL_IDS,
        ["hospital_stay"],
    )


@pytest.mark.parametrize("topic_id", list(KNOWLEDGE.not_covered_topics), ids=str)
def test_a_topic_the_page_never_covers_is_not_answered_as_another_question(topic_id):
    for word in KNOWLEDGE.not_covered_topics[topic_id].patient_words:
        # (The nephrostomy: some topics are told with its generic word, "garder le drain".)
        text = f"combien de temps pour {word} après la néphrostomie ?"
        decision = decision_for(text, intent="ask_duration")
        asked_for = [(a.procedure, a.kind, a.topic) for a in decision.asked]
        assert asked_for == [("nephrostomie", None, topic_id)], word


def test_the_answer_to_a_clarifying_question_can_be_a_context_word():
    group = next(g for g in KNOWLEDGE.ambiguous_words if "drain" in g.patient_words)
    asked = decision_for("on va me poser un drain, on m'endort ?")
    assert (asked.outcome, asked.candidates) == ("clarify", group.candidates)
    answer = decision_for(
        "c'est pour la bile", intent="inform_procedure", aspects=["anaesthesia"], candidates=asked.candidates
    )
    assert (answer.outcome, answer.procedure) == ("answer", "biliaire")
    assert answer.question_kinds == ["anaesthesia"]


@pytest.mark.parametrize("sign_id", list(KNOWLEDGE.emergency_signs))
def test_every_emergency_sign_is_recognised(sign_id):
    for word in KNOWLEDGE.emergency_signs[sign_id].patient_words:
        assert sign_id in INDEX.emergency_signs_in(f"depuis hier {word} !"), word


@pytest.mark.parametrize(
    "texted, sign_id", [("jcrache du sang", "bleeding"), ("jsaigne beaucoup", "bleeding")]
)
def test_a_sign_texted_with_its_pronoun_glued_on_is_recognised(texted, sign_id):
    written_out = "je " + texted[1:]
    assert sign_id in INDEX.emergency_signs_in(written_out)
    assert sign_id in INDEX.emergency_signs_in(f"je suis rentrée de la biopsie et {texted}")


DRAINED = next(g for g in KNOWLEDGE.ambiguous_words if "drain" in g.patient_words).candidates


@pytest.mark.parametrize("procedure_id", DRAINED)
def test_a_sign_is_recognised_whatever_names_the_drain(procedure_id):
    assert "drain est tombé" in KNOWLEDGE.emergency_signs["drain_out"].patient_words
    procedure = KNOWLEDGE.procedure(procedure_id)
    told = [f"le drain de la {procedure.name} est tombé cette nuit"] + [
        f"mon {word} est tombé ce matin" for word in procedure.patient_words if word.startswith("drain ")
    ]
    for message in told:
        assert INDEX.emergency_signs_in(message) == ["drain_out"], message


@pytest.mark.parametrize("word", KNOWLEDGE.emergency_not_now_words)
def test_a_sign_asked_about_or_remembered_is_not_an_emergency_now(word):
    sign = next(iter(KNOWLEDGE.emergency_signs.values())).patient_words[0]
    assert INDEX.emergency_signs_in(f"{word} {sign} ?") == []
    # The same sign in another sentence of the message still counts.
    assert INDEX.emergency_signs_in(f"{word} le drain ? Là {sign}") != []


SIGNS_TOLD_NOW = [sign_id for sign_id, sign in KNOWLEDGE.emergency_signs.items() if sign.told_now]


@pytest.mark.parametrize("sign_id", SIGNS_TOLD_NOW)
def test_a_signs_words_told_with_a_word_of_the_present_raise_the_alarm(sign_id):
    groups = KNOWLEDGE.emergency_signs[sign_id].told_now
    now, doubt = KNOWLEDGE.emergency_now_words[1], KNOWLEDGE.emergency_doubt_words[0]
    for position in range(max(len(group) for group in groups)):
        words = " ".join(group[min(position, len(group) - 1)] for group in groups)
        told = f"j'ai eu la biopsie et {words} {now}"
        assert sign_id in INDEX.emergency_signs_in(told), told
        if INDEX.emergency_signs.find(f"{words} {now}"):
            continue  # a phrase that tells the sign by itself, question or not
        # Not in a question, nor after a word of doubt, nor without a word of the present.
        assert sign_id not in INDEX.emergency_signs_in(f"{told} ?"), told
        assert sign_id not in INDEX.emergency_signs_in(f"{doubt} {words} {now}"), told
        if not INDEX.emergency_now.find(words):  # "arrive plus du tout à bouger" tells the present
            assert sign_id not in INDEX.emergency_signs_in(f"j'ai eu la biopsie et {words}"), told


@pytest.mark.parametrize(
    "told, sign_id",
    [
        ("ma mère vient de faire un malaise après son embolisation", "fainting"),
        ("il est tombé dans la salle de bain ce soir", "fainting"),
        ("je perds énormément de sang depuis la biopsie", "bleeding"),
        ("le pansement est trempé de sang", "bleeding"),
        ("je suffoque depuis ce matin", "breathing"),
        ("le tuyau du rein s'est décroché", "drain_out"),
        ("fievre 39.8 depuis ce matin avec le drain", "fever"),
        ("ma jambe droite est froide et toute blanche depuis l'angiographie", "cold_limb"),
        ("le sang traverse le pansement et coule sur le drap depuis 10 min, c'est normal ?", "bleeding"),
        ("mon pied devient bleu et j'ai des fourmis, ils m'ont piqué à l'aine hier", "cold_limb"),
        ("mon père ne peut plus bouger ses deux jambes depuis une heure", "limb_weakness"),
    ],
)
def test_a_sign_told_in_the_patients_own_words_is_recognised(told, sign_id):
    assert sign_id in INDEX.emergency_signs_in(told)


@pytest.mark.parametrize(
    "question",
    [
        "combien de temps dure la biopsie ?",
        "est-ce qu'on peut faire un malaise pendant une embolisation ?",
        "si j'ai de la fièvre une fois rentrée chez moi, je fais quoi ?",
        "des fibromes qui me font beaucoup saigner pendant mes règles depuis deux ans, l'embolisation ?",
        "au cas où ma mère ferait une réaction allergique, qui appeler ?",
        "je suis tombé sur votre page en cherchant la néphrostomie, ça dure combien ?",
        "est-ce que ça saigne pendant la biopsie ?",
        "y a-t-il un risque de saignement après l'embolisation ?",
        "l'angiographie sert à arrêter un saignement non contrôlé ?",
        "je dois avoir un drain, il reste combien de temps ?",
        "j'habite à 40 km de la clinique, je peux rentrer le soir ?",
        "est-ce qu'on peut avoir de la fièvre après un drainage ?",
        "je n'ai pas de fièvre, je peux venir ?",
        "la néphrostomie sert à évacuer l'urine ?",
        "est-ce que la thermo-ablation du poumon peut donner du mal à respirer ?",
        "j'ai eu 40 de fièvre il y a un mois à cause de l'abcès, le drainage dure combien ?",
    ],
)
def test_ordinary_questions_do_not_raise_the_alarm(question):
    assert INDEX.emergency_signs_in(question) == []


# --- The whole message: every question, the procedure meant (the examples of the issue) ---


def asked_of(decision):
    return [(a.procedure, a.kind or a.topic) for a in decision.asked]


def asked(text, intent=None, **slots):
    decision = decision_for(text, intent, **slots)
    return decision.outcome, [(a.procedure, a.kind or a.topic) for a in decision.asked]


@pytest.mark.parametrize(
    "text, procedure",
    [
        ("je dois rester combien de temps pour une biopsie du rein ?", "biopsie"),
        ("il faut rester combien de temps après une néphrostomie ?", "nephrostomie"),
        ("on me garde combien de temps après ma biopsie du poumon ?", "biopsie"),
        ("après la thermoablation je sors quand ?", "thermoablation"),
    ],
)
def test_staying_is_the_stay_even_with_combien_de_temps(text, procedure):
    # With the intent the classifier may give: the words decide, not the intent.
    assert asked(text, intent="ask_duration") == ("answer", [(procedure, "hospital_stay")])


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "combien de temps dure la biopsie et est-ce qu'on m'endort ?",
            [("biopsie", "duration"), ("biopsie", "anaesthesia")],
        ),
        (
            "la biopsie du poumon : combien de temps ça dure, et je reste combien de temps ?",
            [("biopsie", "duration"), ("biopsie", "hospital_stay")],
        ),
        (
            "Combien de temps dure la biopsie ? Est-ce qu'on m'endort ?",
            [("biopsie", "duration"), ("biopsie", "anaesthesia")],
        ),
        (
            "combien de temps dure l'infiltration et combien de temps dure la biopsie ?",
            [("infiltration", "duration"), ("biopsie", "duration")],
        ),
    ],
)
def test_every_question_of_a_message_is_answered(text, expected):
    assert asked(text, intent="ask_duration") == ("answer", expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pas la biopsie, le drainage de l'abcès : ça dure combien ?", ("drainage_collection", "duration")),
        (
            "ce n'est pas une biopsie mais une néphrostomie, je reste combien de temps ?",
            ("nephrostomie", "hospital_stay"),
        ),
        (
            "J'ai déjà eu une biopsie l'an dernier, cette fois c'est une thermoablation du foie : "
            "je rentre le soir même ?",
            ("thermoablation", "hospital_stay"),
        ),
        ("une biopsie, ah non pardon, une néphrostomie : on m'endort ?", ("nephrostomie", "anaesthesia")),
        (
            "ce n'est plus une infiltration qui est prévue, c'est un drainage d'abcès. Durée ?",
            ("drainage_collection", "duration"),
        ),
    ],
)
def test_an_excluded_past_or_corrected_procedure_gives_way_to_the_one_meant(text, expected):
    assert asked(text) == ("answer", [expected])


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "quels sont les risques d'une biopsie ? euh non pardon, c'est une néphrostomie",
            ("nephrostomie", "risks"),
        ),
        (
            "Qui décide si je dois faire une thermoablation ? Ah non pardon, je voulais dire "
            "une infiltration",
            ("infiltration", "who_decides"),
        ),
    ],
)
def test_a_question_asked_before_the_procedure_is_corrected_is_asked_of_the_one_meant(text, expected):
    assert asked(text) == ("answer", [expected])


def test_a_question_about_a_procedure_had_before_goes_to_the_one_named_after_it():
    text = "combien de temps a duré ma biopsie l'an dernier, et la thermoablation ?"
    assert asked(text) == ("answer", [("thermoablation", "duration")])


def test_the_words_around_an_excluded_name_do_not_choose_the_one_meant():
    embolisation = next(g for g in KNOWLEDGE.ambiguous_words if "embolisation" in g.patient_words)
    assert set(embolisation.candidates) == {"angiographie", "embolisation_portale"}
    # "foie" alone points to the portal embolisation, "fibromes" to the angiography.
    text = (
        "je ne parle pas de l'embolisation du foie mais de l'embolisation de mes fibromes, "
        "ça se passe comment ?"
    )
    assert asked(text) == ("answer", [("angiographie", "how_it_is_done")])


def test_a_generic_word_stands_for_the_procedure_named_earlier_in_the_message():
    text = (
        "On me parle d'une embolisation portale puis d'une thermoablation du foie. Qui décide de la "
        "thermoablation ? Et combien de semaines il faut attendre après l'embolisation ?"
    )
    assert asked(text) == (
        "answer",
        [("thermoablation", "who_decides"), ("embolisation_portale", "delay")],
    )


def test_a_pending_choice_is_kept_when_the_next_message_names_nothing():
    drain = next(g for g in KNOWLEDGE.ambiguous_words if "drainage" in g.patient_words)
    choice = decision_for("ah non pardon, c'est un drainage", "inform_procedure", procedure="biopsie")
    assert (choice.outcome, choice.candidates) == ("clarify", drain.candidates)
    follow_up = decision_for("ça dure combien ?", "ask_duration", candidates=choice.candidates)
    assert (follow_up.outcome, follow_up.candidates, follow_up.question_kinds) == (
        "clarify",
        drain.candidates,
        ["duration"],
    )


def test_misspelt_question_words_are_read_like_misspelt_names():
    assert asked("nefrostomie aneshtesie ?") == ("answer", [("nephrostomie", "anaesthesia")])


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("koman", "comment"),
        ("termoablassion", "thermoablation"),
        ("drainaj", "drainage"),
        ("infiltrasion", "infiltration"),
        ("ospitalisation", "hospitalisation"),
    ],
)
def test_a_word_typed_as_heard_is_read_as_the_files_word_that_sounds_the_same(typed, meant):
    vocabulary = INDEX.vocabulary
    assert typed not in vocabulary.french and typed not in vocabulary.words
    assert sounds_like(typed) == sounds_like(meant)
    corrected = vocabulary.correct(typed)
    assert sounds_like(corrected) == sounds_like(meant) and corrected in vocabulary.words


def test_a_word_typed_as_heard_is_read_before_one_a_letter_away():
    # "passe" is one letter away from "plasse", "place" sounds the same.
    vocabulary = INDEX.vocabulary
    assert {"passe", "place"} <= vocabulary.words
    assert vocabulary.correct("a la plasse de la chirurgie") == "a la place de la chirurgie"
    assert asked("la termo ablation cest a la plasse de la chirurgi ?") == (
        "answer",
        [("thermoablation", "alternatives")],
    )
    assert asked("enbolisation portal combien de semenne avan loperation du foi") == (
        "answer",
        [("embolisation_portale", "delay")],
    )


def test_an_angio_of_the_belly_is_the_visceral_angiography_but_not_an_angio_mri():
    assert asked("langio du ventre sa se deroul coman ? et jsui reveillé pendan ?") == (
        "answer",
        [("angiographie", "how_it_is_done"), ("angiographie", "anaesthesia")],
    )
    assert decision_for("une angio-IRM du ventre, ça dure combien ?").outcome == "not_described"


@pytest.mark.parametrize(
    "typed, meant", [("dosr", "dors"), ("lnog", "long"), ("sret", "sert"), ("sosr", "sors")]
)
def test_two_letters_typed_the_wrong_way_round_are_read_as_the_files_word(typed, meant):
    vocabulary = INDEX.vocabulary
    assert typed not in vocabulary.words and meant in vocabulary.words
    assert vocabulary.correct(typed) == meant


@pytest.mark.parametrize("typed", ["quon", "pourrai", "maths"])
def test_a_short_sound_is_no_reason_to_read_a_word_as_another(typed):
    assert INDEX.vocabulary.correct(typed) == typed


def test_questions_typed_as_heard_are_answered():
    assert asked("koman sa se pase la termoablassion") == ("answer", [("thermoablation", "how_it_is_done")])
    assert asked("je rest cmb de tem apré le drainaj dabces") == (
        "answer",
        [("drainage_collection", "hospital_stay")],
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "l'embolisation portale, c'est combien de semaines avant l'opération ?",
            ("embolisation_portale", "delay"),
        ),
        ("la radiofréquence du foie, c'est à la place de l'opération ?", ("thermoablation", "alternatives")),
        ("où se passe la biopsie ?", ("biopsie", "location")),
    ],
)
def test_facts_of_the_page_reached_by_a_plain_question(text, expected):
    procedure, kind = expected
    assert asked(text) == ("answer", [expected])
    assert getattr(KNOWLEDGE.procedure(procedure).facts, kind).is_known


def test_a_question_the_page_never_answers_is_said_so_not_answered_with_a_neighbour():
    outcome, items = asked("Comment dois-je me préparer pour une néphrostomie ?", intent="ask_how_it_is_done")
    [(procedure, topic)] = items
    assert (outcome, procedure) == ("answer", "nephrostomie")
    assert topic in KNOWLEDGE.not_covered_topics


def test_names_joined_by_ou_lead_to_a_question_between_them():
    decision = decision_for("Je ne sais pas si c'est une biopsie ou une néphrostomie, ça dure combien ?")
    assert (decision.outcome, decision.candidates) == ("clarify", ["biopsie", "nephrostomie"])


def test_a_procedure_named_before_the_current_one_is_taken_as_had_before():
    text = "après ma biopsie, on me propose une thermoablation, on m'endort ?"
    assert asked(text) == ("answer", [("thermoablation", "anaesthesia")])
    both = "je dois faire une infiltration et une biopsie, c'est combien de temps chacune ?"
    assert asked(both) == ("answer", [("infiltration", "duration"), ("biopsie", "duration")])


def test_symptoms_pointing_to_one_procedure_still_ask_which_act_is_proposed():
    # "l'intervention" may be another act than the one the page describes for the symptom.
    proposed = "j'ai une cruralgie, l'intervention dure combien de temps ?"
    decision = decision_for(proposed, "ask_duration")
    assert (decision.outcome, decision.candidates, decision.question_kinds) == (
        "clarify",
        ["infiltration"],
        ["duration"],
    )


@pytest.mark.parametrize(
    "text, intent, expected",
    [
        (
            "ma sciatique résiste aux anti-inflammatoires, l'intervention dure combien de temps ?",
            "ask_duration",
            [("infiltration", "duration")],
        ),
        (
            "mon rein est bloqué, à quoi sert l'intervention qu'on me propose ?",
            "ask_purpose",
            [("nephrostomie", "purpose")],
        ),
        # The clinic's act, for what points to one procedure only.
        (
            "j'ai une cruralgie, vous la traitez comment en radiologie ?",
            "ask_how_it_is_done",
            [("infiltration", "how_it_is_done")],
        ),
    ],
)
def test_the_page_s_reason_for_a_procedure_or_the_clinic_s_act_answers_it_saying_so(text, intent, expected):
    decision = decision_for(text, intent)
    assert decision.outcome == "answer"
    assert [(a.procedure, a.kind) for a in decision.asked] == expected
    assert decision.described


@pytest.mark.parametrize(
    "text",
    [
        # The reason the page gives for another procedure than the one the words point to.
        "j'ai un abcès et les antibiotiques ne suffisent pas, l'intervention dure combien de temps ?",
        # No act referred to: a question about the diagnosis, not about an act.
        "mon rein est bloqué, combien de temps ça dure ?",
        # The clinic's act, but the organ adds the page's other procedures for it.
        "On a trouvé une masse au poumon, vous la traitez comment en radiologie ?",
    ],
)
def test_a_reason_for_another_procedure_or_several_candidates_still_ask(text):
    decision = decision_for(text, "ask_duration")
    assert decision.outcome == "clarify"
    assert not decision.described


def test_a_long_message_asking_how_about_nothing_described_is_not_a_procedure_question():
    assert decision_for("comment faire pousser des tomates sur un balcon", "ask_how_it_is_done").outcome == (
        "out_of_scope"
    )
    short = decision_for("comment ça se passe ?", "ask_how_it_is_done")
    assert (short.outcome, short.candidates) == ("clarify", ALL_IDS)


@pytest.mark.parametrize("topic", list(KNOWLEDGE.general_question_words.__fields__))
def test_general_question_words_give_the_general_answer_whatever_the_intent(topic):
    for word in getattr(KNOWLEDGE.general_question_words, topic):
        decision = decision_for(f"et pour {word} ?", "ask_how_it_is_done")
        assert (decision.outcome, decision.topic) == ("general", topic), word


def test_an_organ_beside_a_symptom_adds_the_procedures_the_page_describes_for_it():
    decision = decision_for(
        "On a trouvé une masse au poumon, l'intervention se passe comment ?", "ask_how_it_is_done"
    )
    assert decision.outcome == "clarify"
    assert {"biopsie", "thermoablation"} <= set(decision.candidates)


def test_a_short_question_about_words_no_list_knows_is_out_of_scope():
    assert decision_for("c'est quoi ton signe astrologique", "ask_purpose").outcome == "out_of_scope"
    # Stop words and the file's own words are familiar: still a question about a procedure.
    assert decision_for("c'est quoi exactement ?", "ask_purpose").outcome == "clarify"


def test_symptoms_told_with_a_general_intent_but_no_general_words_are_asked_about():
    told = "douleur qui descend devant la cuisse, cruralgie, que pouvez-vous faire ?"
    decision = decision_for(told, "ask_pain")
    assert (decision.outcome, decision.candidates) == ("clarify", ["infiltration"])


def test_a_topic_the_page_never_covers_needs_no_choice_between_procedures():
    # "radiofréquence" is a generic word; the price is covered for none of its candidates.
    generic = next(g for g in KNOWLEDGE.ambiguous_words if "radiofréquence" in g.patient_words)
    assert len(generic.candidates) >= 1
    assert asked("est-ce remboursé par la sécu, la radiofréquence ?") == ("answer", [(None, "price")])


def test_a_site_outside_the_scope_counts_in_any_part_but_another_act_is_no_site():
    infiltration = KNOWLEDGE.procedure("infiltration")
    assert "genou" in infiltration.scope.outside_words
    assert decision_for("une infiltration, pour le genou, ça dure combien ?").outcome == "not_described"
    biopsy = KNOWLEDGE.procedure("biopsie")
    assert "prise de sang" in biopsy.scope.outside_words
    told_apart = (
        "je fais souvent des malaises pendant les prises de sang, est-ce qu'on m'endort pour la biopsie ?"
    )
    assert asked(told_apart) == ("answer", [("biopsie", "anaesthesia")])
    assert decision_for("une biopsie de sang, ça dure combien ?").outcome == "not_described"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("la biopsie coment sa se passe", ("biopsie", "how_it_is_done")),  # "sa" typed for "ça"
        ("est ce qu'on dort pendant le drainage d'une collection", ("drainage_collection", "anaesthesia")),
        ("drain biliaire, ça peut mal tourner ?", ("biliaire", "risks")),
    ],
)
def test_question_words_as_patients_type_them(text, expected):
    assert asked(text) == ("answer", [expected])


def test_a_short_misspelt_word_is_read_unless_it_is_a_french_word():
    vocabulary = INDEX.vocabulary
    assert "sorte" in vocabulary.french and "sortie" in vocabulary.words
    assert vocabulary.correct("une sorte de drain") == "une sorte de drain"
    assert "coment" not in vocabulary.french
    assert vocabulary.correct("comben risqes") == "combien risques"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("je reste a lopital pour linfiltration?", ("infiltration", "hospital_stay")),  # no apostrophes
        ("ki decide pour la termoablation", ("thermoablation", "who_decides")),  # "ki" typed for "qui"
    ],
)
def test_words_typed_without_apostrophes_or_as_texted_are_read(text, expected):
    assert asked(text) == ("answer", [expected])


def test_each_part_answers_for_the_organ_it_names():
    text = (
        "On m'a programmé une biopsie de poumon et une néphrostomie pour mon rein. Pour la biopsie du "
        "poumon je reste combien de temps hospitalisé ? Et pour la néphrostomie, c'est qui qui décide ?"
    )
    decision = decision_for(text)
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
        ("biopsie", "hospital_stay", "poumon"),
        ("nephrostomie", "who_decides", None),
    ]


def test_an_organ_denied_is_not_the_one_meant():
    decision = decision_for("ma biopsie n'est pas au foie mais au poumon, du coup je reste hospitalisé ?")
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
        ("biopsie", "hospital_stay", "poumon")
    ]


def test_the_organ_discussed_is_not_carried_to_the_procedure_named_again():
    decision = decision_for(
        "et pour une biopsie de la thyroïde ?", procedure="biopsie", organ="poumon", aspects=["hospital_stay"]
    )
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [("biopsie", "hospital_stay", None)]


def test_et_pour_another_procedure_asks_the_same_question_again():
    decision = decision_for(
        "et pour le drain qui évacue l'urine bloquée dans le rein ?",
        "ask_how_it_is_done",
        procedure="drainage_collection",
        aspects=["location"],
    )
    assert asked_of(decision) == [("nephrostomie", "location")]


def test_the_act_described_in_answer_to_which_one_gets_the_question_asked_before():
    # "Which one?" was asked between the biopsy, the thermo-ablation and the angiography.
    decision = decision_for(
        "c'est pour la détruire en la chauffant avec une aiguille",
        "ask_how_it_is_done",
        candidates=["biopsie", "thermoablation", "angiographie"],
        aspects=["anaesthesia"],
    )
    assert asked_of(decision) == [("thermoablation", "anaesthesia")]


def test_a_risk_question_beside_a_topic_the_page_never_covers_gets_both():
    decision = decision_for("Est ce que la thermoablation peut donner de fortes douleurs apres ?")
    assert asked_of(decision) == [("thermoablation", "risks"), ("thermoablation", "pain_after")]


def test_why_rather_than_surgery_gets_the_purpose_and_the_alternatives():
    decision = decision_for("Pourquoi me propose-t-on une thermoablation plutôt qu'une opération ?")
    assert asked_of(decision) == [("thermoablation", "purpose"), ("thermoablation", "alternatives")]


@pytest.mark.parametrize(
    "text",
    [
        "On va me faire une embolisation au foie, c'est risqué ?",  # arterial or portal
        "J'ai une infection et on parle de drainer, c'est urgent ?",  # abscess, gallbladder or kidney
    ],
)
def test_a_context_word_shared_by_the_candidates_does_not_choose_between_them(text):
    decision = decision_for(text)
    assert decision.outcome == "clarify" and len(decision.candidates) > 1


def test_a_procedure_a_relative_had_is_not_the_one_asked_about():
    text = "Ma voisine a eu une biopsie, mais moi c'est une embolisation portale. Pourquoi on me fait ça ?"
    assert asked_of(decision_for(text, "ask_purpose")) == [("embolisation_portale", "purpose")]


def test_where_after_a_procedure_is_where_that_procedure_is_done():
    follow_up = decision_for("et ça se passe où ?", "ask_location", procedure="nephrostomie")
    assert asked_of(follow_up) == [("nephrostomie", "location")]
    in_general = decision_for("où se passent vos gestes ?", "ask_location", procedure="nephrostomie")
    assert in_general.outcome in ("none", "general") and not in_general.asked
    # "Which room" with nothing that says every act: the room of the one discussed (whose reply
    # gives the page's general fact on the rooms too).
    which_room = decision_for(
        "elle se fait dans quelle salle svp ?", "ask_location", procedure="nephrostomie"
    )
    assert asked_of(which_room) == [("nephrostomie", "location")]
    for text in (
        "dans quelle salle se font les interventions ?",
        "en général, c'est fait dans quelle salle ?",
    ):
        in_general = decision_for(text, "ask_location", procedure="nephrostomie")
        assert in_general.outcome in ("none", "general") and not in_general.asked, text


@pytest.mark.parametrize(
    "text",
    [
        "Qui fait la biopsie, un chirurgien ?",
        "Qui réalise l'artériographie ? Un cardiologue ?",
        "Mon père doit avoir une embolisation portale : dans quel service c'est fait, et par qui ?",
    ],
)
def test_who_does_a_procedure_is_asked_as_who_decides_it(text):
    assert "who_decides" in decision_for(text).question_kinds


def test_who_does_every_act_is_the_general_question():
    text = "Qui réalise les gestes de radiologie interventionnelle en général ? Un chirurgien ?"
    decision = decision_for(text, "ask_interventional_radiology")
    assert decision.outcome in ("none", "general") and not decision.asked and not decision.candidates
    decision = decision_for(text)
    assert (decision.outcome, decision.topic) == ("general", "interventional_radiology")
    # Who decides an act meant, not named: which one.
    decision = decision_for("Qui décide si on doit me faire un geste de radiologie interventionnelle ?")
    assert (decision.outcome, decision.candidates) == ("clarify", ALL_IDS)


def test_where_every_act_is_done_is_the_general_fact_on_the_rooms():
    for text in (
        "c'est au bloc opératoire ou en radiologie vos interventions ?",
        "où se font les gestes de radiologie interventionnelle ?",
    ):
        decision = decision_for(text)
        assert (decision.outcome, decision.topic) == ("general", "location"), text
    # Of one act, its place.
    decision = decision_for("c'est au bloc opératoire ou en radiologie la biopsie ?")
    assert asked_of(decision) == [("biopsie", "location")]


def test_the_organ_of_a_procedure_told_without_a_question_holds_for_the_next_question():
    """ "Mon mari passe une biopsie du poumon demain" (read as off-topic by the classifier) /
    "on le garde combien de temps ?": the lung's stay."""
    told = decision_for("Mon mari passe une biopsie du poumon demain", "out_of_scope")
    assert (told.procedure, told.organ) == ("biopsie", "poumon")
    stay = decision_for(
        "on le garde combien de temps ?", "ask_hospital_stay", procedure="biopsie", organ="poumon"
    )
    assert [(a.procedure, a.kind, a.organ) for a in stay.asked] == [("biopsie", "hospital_stay", "poumon")]


def test_of_words_that_sound_alike_the_french_one_is_read():
    # A file holding a misspelling patients type ("coment") beside the French word.
    vocabulary = Vocabulary(
        targets=["comment ça se passe", "coment ça se passe"], french=frozenset({"comment"})
    )
    assert vocabulary.correct("koman on fait") == "comment on fait"
    assert INDEX.vocabulary.correct("koman on fait") == "comment on fait"
    # A misspelling the file no longer holds is read as the French word.
    assert INDEX.vocabulary.correct("le stent ça se pose coment") == "le stent ca se pose comment"


def test_a_word_as_close_to_two_spellings_of_one_word_is_read_as_that_word():
    vocabulary = Vocabulary(targets=["embolisation", "embolization", "infection", "injection"])
    assert vocabulary.correct("emboliation") == "embolisation"
    # Two words that sound different: no guess.
    assert vocabulary.correct("inection") == "inection"


def test_a_word_denied_does_not_point_to_its_procedure():
    denied = "ce n'est pas un abcès, c'est mon rein qui est bouché : le drain, c'est urgent ?"
    assert asked_of(decision_for(denied, "ask_urgency")) == [("nephrostomie", "urgency")]
    said = "le drain c'est pour un abcès, c'est urgent ?"
    assert asked_of(decision_for(said, "ask_urgency")) == [("drainage_collection", "urgency")]


def test_ou_pas_excludes_nothing():
    decision = decision_for("une nuit ou pas pour une biopsie pulmonaire ?", "ask_hospital_stay")
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
        ("biopsie", "hospital_stay", "poumon")
    ]


@pytest.mark.parametrize(
    "text, slots, expected",
    [
        # The question corrected: the procedure stays.
        (
            "non pardon, je voulais demander si c'est urgent",
            {"procedure": "nephrostomie", "aspects": ["duration"]},
            [("nephrostomie", "urgency")],
        ),
        # The procedure corrected: the question asked before goes to the new one.
        (
            "ah non c'est pas une thermoablation, le docteur a dit biopsie",
            {"procedure": "thermoablation", "aspects": ["risks"]},
            [("biopsie", "risks")],
        ),
    ],
)
def test_a_correction_keeps_what_it_does_not_correct(text, slots, expected):
    assert asked_of(decision_for(text, "inform_procedure", **slots)) == expected


def test_a_mistake_naming_a_generic_word_asks_again_without_the_procedure_discussed():
    decision = decision_for("ah non pas ça, on va me drainer", "inform_procedure", procedure="biliaire")
    assert (
        decision.outcome == "clarify" and "biliaire" in decision.candidates and len(decision.candidates) > 1
    )


def test_of_two_words_as_close_in_writing_the_french_one_is_read():
    vocabulary = INDEX.vocabulary
    assert "biospie" in vocabulary.words and "biopsie" in vocabulary.french  # a misspelling the file holds
    assert vocabulary.correct("biobsie") == "biopsie"


def test_pain_asked_beside_another_question_gets_the_pages_pain_relief_too():
    decision = decision_for(
        "la biopsie, est-ce que ça fait mal et combien de temps ça dure ?", "ask_duration"
    )
    assert asked_of(decision) == [("biopsie", "pain_relief"), ("biopsie", "duration")]
    assert KNOWLEDGE.general.pain_relief  # the fact answered is the page's
    # Pain told as a symptom is no question on pain relief.
    told = decision_for("ma sciatique me fait mal la nuit, l'infiltration ça dure combien ?", "ask_duration")
    assert asked_of(told) == [("infiltration", "duration")]


def test_ainsi_que_joins_two_questions():
    text = "je voudrais connaitre la durée de l'embolisation portale ainsi que le délai avant l'opération"
    assert asked_of(decision_for(text)) == [
        ("embolisation_portale", "duration"),
        ("embolisation_portale", "delay"),
    ]


def test_a_correction_gets_the_question_asked_before_whatever_the_classifier_read():
    text = "ah non c'est pas une thermoablation, le docteur a dit biopsie"
    slots = {"procedure": "thermoablation", "organ": "foie", "aspects": ["risks"]}
    assert asked_of(decision_for(text, "ask_overview", **slots)) == [("biopsie", "risks")]


def test_a_correction_to_a_word_that_can_only_mean_the_procedure_discussed_keeps_it():
    epidural = next(g for g in KNOWLEDGE.ambiguous_words if "épidurale" in g.patient_words)
    assert epidural.candidates == ["infiltration"]
    decision = decision_for(
        "non épidurale pardon", "inform_procedure", procedure="infiltration", aspects=["location"]
    )
    assert asked_of(decision) == [("infiltration", "location")]


def test_a_mistake_owned_with_words_of_another_procedure_of_its_family_is_that_procedure():
    text = (
        "Enfin non, je me suis trompée, ce n'est pas le rein, c'est les voies biliaires, à cause de "
        "sa jaunisse. Elle sera endormie ?"
    )
    drain = next(g for g in KNOWLEDGE.ambiguous_words if "drain" in g.patient_words)
    assert {"nephrostomie", "biliaire"} <= set(drain.candidates)
    decision = decision_for(text, "ask_anaesthesia", procedure="nephrostomie")
    assert asked_of(decision) == [("biliaire", "anaesthesia")]
    # Of no procedure discussed, the words alone ask to confirm.
    decision = decision_for(text, "ask_anaesthesia")
    assert (decision.outcome, decision.candidates) == ("clarify", ["biliaire"])


def test_a_name_corrected_by_words_of_another_procedure_is_not_answered():
    text = (
        "drainage d'abces... enfin non c pas un abces, c'est mon rein qui est bouché et il faut "
        "evacuer l'urine. c'est urgent ou ça peut attendre ?"
    )
    decision = decision_for(text, "ask_urgency")
    assert "drainage_collection" not in [a.procedure for a in decision.asked] + decision.candidates
    assert "nephrostomie" in [a.procedure for a in decision.asked] + decision.candidates


def test_a_pain_that_is_gone_is_no_emergency():
    assert INDEX.emergency_signs_in("la douleur, je ne la sens plus depuis l'infiltration") == []


@pytest.mark.parametrize("typed, meant", sorted(KNOWLEDGE.texted_words.items()))
def test_a_texted_word_is_read_as_the_word_it_stands_for(typed, meant):
    assert INDEX.vocabulary.correct(f"la biopsie {typed} ?") == normalize(f"la biopsie {meant} ?")


def test_texted_question_and_exclusion_words_are_read():
    decision = decision_for("termo ablation on peu la fair sur kel organ ?", "ask_overview")
    assert [(a.procedure, a.kind) for a in decision.asked] == [("thermoablation", "organs_concerned")]
    decision = decision_for("pa la biopsi, la termoablation du rein, c risqué ?", "ask_risks")
    assert [(a.procedure, a.kind) for a in decision.asked] == [("thermoablation", "risks")]


def test_a_name_typed_in_two_pieces_is_one_name():
    assert INDEX.vocabulary.correct("la nefro stomie c pour koi") == "la nefrostomie c pour quoi"
    # A short piece is not glued on ("nefrostomi é tombé": "é" is "est").
    assert INDEX.vocabulary.correct("nefrostomi é tombé").split()[-2:] == ["est", "tombe"]


@pytest.mark.parametrize("procedure", KNOWLEDGE.procedures, ids=lambda p: p.id)
def test_what_the_act_does_with_another_word_of_the_procedure_names_it(procedure):
    others = [w for w in procedure.context_words if " " not in w and INDEX.organs.find(w) == []]
    for act_word in procedure.act_words:
        text = f"on va me faire {act_word} pour mon {others[0]}, combien de temps ça dure ?"
        decision = decision_for(text, "ask_duration")
        if decision.outcome == "answer":
            assert [a.procedure for a in decision.asked] == [procedure.id], text
            assert decision.described, text
        else:  # the other word also points elsewhere: asked, never another procedure's answer
            assert decision.outcome == "clarify" and procedure.id in decision.candidates, text


def test_an_act_word_alone_does_not_name_a_procedure():
    decision = decision_for("j'ai un bouchon, combien de temps ça dure ?", "ask_duration")
    assert decision.outcome == "clarify" and not decision.described


def test_a_precise_question_about_the_intervention_is_asked_even_when_the_classifier_is_lost():
    decision = decision_for("c quoi les risques de l'intervention ?", "nlu_fallback")
    assert (decision.outcome, decision.candidates) == ("clarify", ALL_IDS)
    assert decision.question_kinds == ["risks"]


def test_a_precise_question_beside_symptoms_is_not_the_general_question():
    text = "une tumeur au rein, on m'envoie en radiologie interventionnelle : quels risques du geste ?"
    decision = decision_for(text, "ask_interventional_radiology")
    assert decision.outcome == "clarify" and decision.question_kinds == ["risks"]


def test_the_emergency_net_reads_texted_and_misspelt_words():
    assert INDEX.emergency_signs_in("mon drain de nefrostomi é tombé ce matin tt seul") == ["drain_out"]


# --- Two persons, each with a procedure: "pour elle", "lui", "la mienne" ---


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ma mère a une biopsie du poumon et mon père une néphrostomie. Pour elle, ça dure "
            "combien ? Et lui, on l'endort ?",
            [("biopsie", "duration"), ("nephrostomie", "anaesthesia")],
        ),
        (
            "Mon mari : une infiltration. Moi : une thermoablation. La sienne dure combien de temps ? "
            "La mienne, quels risques ?",
            [("infiltration", "duration"), ("thermoablation", "risks")],
        ),
        (
            # Said the other way round: the questions follow the persons, not the order of the names.
            "Pour moi une biopsie du rein et pour ma fille un drainage d'abcès. Elle, elle reste "
            "combien de temps ? Et moi, qui décide ?",
            [("drainage_collection", "hospital_stay"), ("biopsie", "who_decides")],
        ),
    ],
)
def test_each_question_goes_to_the_procedure_of_the_person_it_is_about(text, expected):
    assert asked(text) == ("answer", expected)


def test_one_person_with_two_procedures_gets_both_answers():
    outcome, answered = asked("ma mère a une biopsie et une néphrostomie : pour elle, ça dure combien ?")
    assert (outcome, sorted(answered)) == ("answer", [("biopsie", "duration"), ("nephrostomie", "duration")])


def test_the_organ_said_with_a_procedure_carries_to_the_question_about_it():
    text = "Mon père : une néphrostomie. Ma mère : une biopsie du poumon. Elle reste combien ?"
    decision = decision_for(text)
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
        ("biopsie", "hospital_stay", "poumon")
    ]


def test_a_generic_word_is_decided_by_the_words_of_its_own_part_beside_a_name():
    outcome, answered = asked(
        "mon mari a une néphrostomie, et moi une embolisation de mes fibromes : on est endormis ?"
    )
    assert (outcome, sorted(answered)) == (
        "answer",
        [("angiographie", "anaesthesia"), ("nephrostomie", "anaesthesia")],
    )


def test_alternatives_besides_a_procedure_are_asked_about_that_procedure():
    assert asked("à part l'infiltration, il y a d'autres solutions pour ma sciatique ?") == (
        "answer",
        [("infiltration", "alternatives")],
    )
    # "pas" is not "besides": the procedure excluded is still not the one meant.
    assert asked("pas la biopsie, plutôt la thermoablation : d'autres solutions ?") == (
        "answer",
        [("thermoablation", "alternatives")],
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pas le drain de la vésicule, celui du rein : ça sert à quoi ?", [("nephrostomie", "purpose")]),
        (
            "je ne parle pas du drain du rein mais de celui de la vésicule, c'est urgent ?",
            [("biliaire", "urgency")],
        ),
    ],
)
def test_celui_stands_for_the_generic_word_said_before_it(text, expected):
    assert asked(text) == ("answer", expected)


def test_the_variant_the_page_tells_apart_wins_over_the_organ_that_says_where():
    decision = decision_for("c'est une biopsie profonde du rein, je dors sur place ?")
    asked_for = [(a.procedure, a.kind, a.organ) for a in decision.asked]
    assert asked_for == [("biopsie", "hospital_stay", "profond")]
    # Two organs the page does not tell apart: no variant chosen.
    decision = decision_for("une biopsie du rein et du foie, je dors sur place ?")
    assert {a.organ for a in decision.asked} <= {None, "rein", "foie"}


@pytest.mark.parametrize(
    "text, candidates",
    [
        (
            "pour ma tumeur au foie on m'a parlé soit de la brûler, soit de faire grossir le foie, je "
            "ne sais plus : ça dure combien ?",
            {"thermoablation", "embolisation_portale"},
        ),
        (
            "le médecin hésite entre une biopsie et une thermoablation, c'est risqué ?",
            {"biopsie", "thermoablation"},
        ),
    ],
)
def test_a_patient_who_does_not_know_which_act_it_will_be_is_asked(text, candidates):
    decision = decision_for(text)
    assert (decision.outcome, set(decision.candidates)) == ("clarify", candidates)


@pytest.mark.parametrize("intent", ["ask_anaesthesia", "ask_pain", None])
def test_sleep_asked_of_all_the_clinics_acts_gets_the_pages_general_fact(intent):
    decision = decision_for("vos gestes font mal ? vous endormez les gens ?", intent)
    assert (decision.outcome, decision.topic) == ("general", "pain_relief")


def test_a_procedure_said_to_have_nothing_to_do_with_it_is_not_answered():
    text = "rien à voir avec une infiltration : c'est une néphrostomie, ça sert à quoi ?"
    assert asked(text) == ("answer", [("nephrostomie", "purpose")])


@pytest.mark.parametrize(
    "text, topic",
    [
        ("que faire si le drain de néphrostomie se bouche une fois à la maison ?", "at_home"),
        ("quel antidouleur je pourrai prendre après la thermoablation ?", "pain_after"),
        ("combien de temps dure la biopsie, et je dois faire quoi avant ?", "preparation"),
    ],
)
def test_what_to_do_at_home_and_before_is_not_covered_by_the_page(text, topic):
    decision = decision_for(text)
    assert topic in [asked.topic for asked in decision.asked]


@pytest.mark.parametrize(
    "text, expected",
    [
        # "ne … pas" around the question word negates the question, not the procedure after it.
        ("on ne m'endort pas pour la biopsie ?", [("biopsie", "anaesthesia")]),
        ("je ne reste pas la nuit pour ma biopsie ?", [("biopsie", "hospital_stay")]),
        # A question the patient says they do not ask is not answered.
        (
            "Je ne vous demande pas comment ça se passe, juste : je dois être à jeun pour ma biopsie ?",
            [("biopsie", "fasting")],
        ),
        # A generic word that can mean the procedure named before it does not set it aside.
        (
            "néphrostomie, c'est quoi les risques, et je dois faire quoi du drain une fois chez moi ?",
            [("nephrostomie", "risks"), ("nephrostomie", "at_home")],
        ),
        # The words other than organs break a tie between a generic word's candidates.
        (
            "J'ai pas de drain dans le rein, c'est un drain pour un abcès du foie. C'est quoi les risques ?",
            [("drainage_collection", "risks")],
        ),
        # A longer phrase of one kind holds a shorter one of another.
        (
            "passer un tube dans les artères pour boucher celle qui saigne, c'est quoi comme technique ?",
            [("angiographie", "overview")],
        ),
        # What an act does asks nothing: "pour le faire grossir" is no question on the delay.
        (
            "le petit bouchon dans la veine du foie pour le faire grossir, c'est dangereux ?",
            [("embolisation_portale", "risks")],
        ),
    ],
)
def test_what_the_patient_negates_or_describes_is_read(text, expected):
    assert asked(text) == ("answer", expected)


def test_an_organ_corrected_replaces_the_organ_said_before():
    for text, organ in [
        ("une biopsie du poumon, pardon je me suis trompée c'est du foie. Je rentre le jour même ?", "foie"),
        ("biopsie du poumon... non pas le poumon, le rein. Je dors à la clinique ?", "rein"),
        ("une biopsie du poumon, ah non pardon, une biopsie superficielle, je reste ?", "superficiel"),
    ]:
        decision = decision_for(text)
        assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
            ("biopsie", "hospital_stay", organ)
        ]


@pytest.mark.parametrize(
    "text, candidates",
    [
        (
            "on va me mettre un drain, je sais plus si c'est pour le rein ou pour la bile. je reste ?",
            ["biliaire", "nephrostomie"],
        ),
        (
            "un drainage de la vésicule, non je ne sais plus si c'est pour la bile ou les urines du rein",
            ["biliaire", "nephrostomie"],
        ),
        (
            "une embolisation portale, enfin je crois, en tout cas une embolisation. Je reste combien ?",
            ["angiographie", "embolisation_portale"],
        ),
        (
            "un truc sur le foie, soit pour que la bile s'écoule soit pour le faire grossir. ça dure ?",
            ["biliaire", "embolisation_portale"],
        ),
    ],
)
def test_a_patient_unsure_which_act_is_asked_which_one(text, candidates):
    decision = decision_for(text)
    assert (decision.outcome, sorted(decision.candidates)) == ("clarify", candidates)


def test_a_procedure_denied_at_the_end_of_a_part_is_not_answered():
    text = "pardon, c'est une infiltration pour ma cruralgie, la néphrostomie c'était pas moi. Qui décide ?"
    assert asked(text) == ("answer", [("infiltration", "who_decides")])
    # An act the page does not describe, told before "sans", is still that act.
    told = decision_for("la piqûre dans le dos pour accoucher sans avoir mal, c'est risqué pour le bébé ?")
    assert told.outcome == "not_described"


def test_a_procedure_excluded_for_a_site_outside_its_scope_is_not_described():
    decision = decision_for("ce n'est pas une infiltration du dos mais de l'épaule, ça dure combien ?")
    assert decision.outcome == "not_described" and decision.outside_site[0] == "infiltration"


def test_pain_with_a_generic_word_asks_which_one_then_gives_its_anaesthesia():
    decision = decision_for("embolisasion sa fé mal ?", "ask_pain")
    assert (decision.outcome, sorted(decision.candidates), decision.pending) == (
        "clarify",
        ["angiographie", "embolisation_portale"],
        ["anaesthesia"],
    )


def test_pain_afterwards_is_no_general_question_on_pain_relief():
    decision = decision_for(
        "après, je vais avoir mal pendant combien de temps ?", "ask_pain", procedure="thermoablation"
    )
    assert asked_of(decision) == [("thermoablation", "pain_after")]


@pytest.mark.parametrize(
    "text, expected",
    [
        # The exclusion bears on the organ said after "mais".
        (
            "Ce n'est pas une biopsie du poumon mais d'un ganglion sous la peau. Je dois être hospitalisé ?",
            [("biopsie", "hospital_stay", "superficiel")],
        ),
        # The organ said right after the name is set aside when the next part names another.
        (
            "ce n'est pas une biopsie profonde, c'est superficiel. on me garde ?",
            [("biopsie", "hospital_stay", "superficiel")],
        ),
        # "celle" stands for a procedure's name too.
        ("Pas l'infiltration du genou, celle du dos : qui décide ?", [("infiltration", "who_decides", None)]),
        # A correction of the reason keeps the generic word said before it.
        (
            "une embolisation d'un fibrome, pardon, c'est un angiomyolipome. Elle reste combien de nuits ?",
            [("angiographie", "hospital_stay", None)],
        ),
        # The procedure after which another comes is not asked about.
        (
            "Après mon drainage d'abcès, le chirurgien veut une embolisation portale. Je serai hospitalisé ?",
            [("embolisation_portale", "hospital_stay", None)],
        ),
        # A list "1) … 2) … 3)": each item is a question.
        (
            "Embolisation de mon fibrome : 1) comment ça se passe 2) ça dure longtemps 3) je reste dormir ?",
            [("angiographie", k, None) for k in ("how_it_is_done", "duration", "hospital_stay")],
        ),
        # A topic's words within a longer question phrase ask nothing.
        (
            "néphrostomie : ma femme doit me préparer un sac pour plusieurs jours ?",
            [("nephrostomie", "hospital_stay", None)],
        ),
        # ... and a question phrase within a longer topic phrase asks nothing.
        (
            "Thermoablation du foie : c'est quoi ? Et une fois rentré à la maison, je dois surveiller quoi ?",
            [("thermoablation", "overview", "foie"), ("thermoablation", "at_home", None)],
        ),
        # "il y a" is no past without a time: "il y a : …" lists what is planned.
        (
            "Sur le courrier il y a : biopsie du rein, drainage d'abcès et néphrostomie. Anesthésie locale ?",
            [(p, "anaesthesia", "rein") for p in ("biopsie", "drainage_collection", "nephrostomie")],
        ),
        # "+" joins two questions.
        (
            "biopsie du rein demain. combien de temps ça dure + est ce que je dois arrêter mon kardegic ?",
            [("biopsie", "duration", "rein"), ("biopsie", "medication", None)],
        ),
        # "on peut … dans un muscle ?": the organs concerned, beside a site (an organ or a
        # context word of the procedure) said after the words that ask it.
        (
            "peut-on drainer un abcès dans un muscle sous radio ?",
            [("drainage_collection", "organs_concerned", None)],
        ),
        (
            "Est-ce qu'on peut faire une thermo-ablation sur une lésion dans l'os ?",
            [("thermoablation", "organs_concerned", "os")],
        ),
        # "qui ressort" is a verb, not the stent ("un ressort"): the urine points to the nephrostomy.
        (
            "calcul qui bloque l'urine, rein gonflé, on va poser un tuyau qui ressort par le dos. Endormie ?",
            [("nephrostomie", "anaesthesia", "rein")],
        ),
        # Two generic words for one act joined by "ou" are no choice between two acts.
        (
            "ils vont lui mettre un petit tuyau ou un ressort pour la bile. c'est pour quoi faire ?",
            [("biliaire", "purpose", None)],
        ),
        # "la technique qui …" names an act, it does not ask how it is done.
        (
            "La technique qui brûle les métastases dans l'os, on sort quand de la clinique ?",
            [("thermoablation", "hospital_stay", "os")],
        ),
        # A mistake owned after the name ("c'est faux") sets it aside; "je croyais" owns one too.
        (
            "pardon j'ai écrit biopsie mais c'est faux, c'est l'embolisation d'un angiomyolipome. Endormi ?",
            [("angiographie", "anaesthesia", None)],
        ),
        (
            "Angiographie pour une chimio au foie, enfin c'est ce que je croyais : c'est une embolisation "
            "portale. C'est quoi ?",
            [("embolisation_portale", "overview", None)],
        ),
        # "radiofréquence" asked which organs it treats is the thermo-ablation's (no confirming question).
        (
            "la radiofréquence ça peut se faire sur quels organes ?",
            [("thermoablation", "organs_concerned", None)],
        ),
        # Texted "sous la peau"; the operation "combien de temps après" the portal embolisation.
        (
            "biopsi d une boule sou la po, je rentr chez moi le jour mem ?",
            [("biopsie", "hospital_stay", "superficiel")],
        ),
        (
            "embolisation portale avant l'ablation d'un bout du foie : l'opération combien de temps après ?",
            [("embolisation_portale", "delay", "foie")],
        ),
        # Who decides, where, which organs, asked indirectly.
        (
            "Le radiologue peut-il décider tout seul de faire une néphrostomie ?",
            [("nephrostomie", "who_decides", None)],
        ),
        (
            "Ma biopsie, elle est faite en radiologie ou dans un autre service ?",
            [("biopsie", "location", None)],
        ),
        (
            "Vous drainez seulement les abcès du ventre ou aussi ailleurs ?",
            [("drainage_collection", "organs_concerned", None)],
        ),
        # A correction to a deep lymph node keeps the biopsy (a lymph node points to it).
        (
            "Biopsie d'un ganglion superficiel. Ah non, c'est un ganglion profond, au ventre. Je reste ?",
            [("biopsie", "hospital_stay", "profond")],
        ),
        # An act the page mentions within the procedure, asked as its alternative: no exclusion
        # nor correction in the question's words ("ne pourrait pas plutôt").
        (
            "Mon stent biliaire, on ne pourrait pas plutôt le poser par endoscopie ?",
            [("biliaire", "alternatives", None)],
        ),
        # The stay said as leaving, being let go, being picked up, being away all day.
        (
            "On va me drainer un abcès dans le ventre. On me libère quand ?",
            [("drainage_collection", "hospital_stay", None)],
        ),
        (
            "Mon mari a une néphrostomie, je voudrais savoir quand il pourra rentrer à la maison après.",
            [("nephrostomie", "hospital_stay", None)],
        ),
        (
            "Ma femme a une biopsie, je l'attends en salle d'attente ou je reviens la chercher le soir ?",
            [("biopsie", "hospital_stay", None)],
        ),
        # The organ the patient forgot is no question on the organs a procedure treats.
        (
            "On va m'enlever un bout de tissu pour l'analyser, je ne sais plus dans quel organe. Je reste ?",
            [("biopsie", "hospital_stay", None)],
        ),
        (
            "la thermoablation, je ne sais plus sur quels organes on la fait",
            [("thermoablation", "organs_concerned", None)],
        ),
        # A name said again alone picks the one the next question is about; two organs of one
        # procedure named before the question give neither variant.
        (
            "une biopsie du poumon et une néphrostomie. Pour la biopsie, je reste combien ?",
            [("biopsie", "hospital_stay", "poumon")],
        ),
        (
            "biopsie poumon + biopsie d'un nodule sous la peau le même jour, je reste combien de temps ?",
            [("biopsie", "hospital_stay", None)],
        ),
        # A procedure asked about (with its question mark) before one said to be planned is no
        # procedure had before.
        (
            "Biopsie d'un nodule sous la peau : je repars tout de suite ? Et l'infiltration prévue le mois "
            "prochain, c'est risqué ?",
            [("biopsie", "hospital_stay", "superficiel"), ("infiltration", "risks", "superficiel")],
        ),
        # An act told in passing before the part that names the procedure asked about.
        (
            "Je fais des malaises à la vue d'une prise de sang. Pour l'infiltration, c'est risqué ?",
            [("infiltration", "risks", None)],
        ),
        # The organ of a denied name is denied with it; "Correction :" corrects.
        (
            "Ce n'est pas une biopsie du poumon, c'est une biopsie d'un tissu profond. Je rentre le soir ?",
            [("biopsie", "hospital_stay", "profond")],
        ),
        (
            "Une biopsie du poumon. Correction : c'est une thermo-ablation. Une alternative à la chirurgie ?",
            [("thermoablation", "alternatives", None)],
        ),
        # More words: the stay, the overview texted, what the act does, at home, the delay.
        (
            "Une biopsie du poumon, combien de temps vais-je devoir rester ?",
            [("biopsie", "hospital_stay", "poumon")],
        ),
        ("ke veu dire angiographie viscérale ?", [("angiographie", "overview", None)]),
        (
            "On va me prendre un petit morceau d'un ganglion sous la peau. Je pourrai rentrer directement ?",
            [("biopsie", "hospital_stay", "superficiel")],
        ),
        ("Après l'infiltration, je dois faire quoi à la maison ?", [("infiltration", "at_home", None)]),
        (
            "Combien de temps après l'embolisation portale peut-on faire l'hépatectomie ?",
            [("embolisation_portale", "delay", None)],
        ),
        # Where, who, urgency, delay said plainly; "ce" typed for "se".
        ("pour la biopsie je dois aller où ?", [("biopsie", "location", None)]),
        (
            "pour l'infiltration, c'est mon rhumatologue qui voit si c'est utile ?",
            [("infiltration", "who_decides", None)],
        ),
        ("la néphrostomie ça presse ?", [("nephrostomie", "urgency", None)]),
        (
            "l'embolisation portale se fait longtemps avant l'hépatectomie ?",
            [("embolisation_portale", "delay", None)],
        ),
        ("le stent biliaire comment ça ce passe ?", [("biliaire", "how_it_is_done", None)]),
        # (Coming to the radiology department asks nothing of where the act is done.)
        (
            "je viens en radiologie pour une biopsie du foie, je reste combien ?",
            [("biopsie", "hospital_stay", "foie")],
        ),
        # Who decides, alternatives, urgency, organs and delay asked indirectly.
        (
            "Pour savoir si mon père peut avoir une néphrostomie, ça dépend de qui ?",
            [("nephrostomie", "who_decides", None)],
        ),
        (
            "ma vésicule est infectée, on est obligé de la drainer ou des antibiotiques peuvent suffire ?",
            [("biliaire", "alternatives", None)],
        ),
        ("une néphrostomie, c'est quelque chose de pressé ?", [("nephrostomie", "urgency", None)]),
        (
            "le drainage des collections profondes ça concerne seulement le ventre ?",
            [("drainage_collection", "organs_concerned", None)],
        ),
        # A question a negation splits is read whole; a negated "je parle de" asks no overview.
        ("la thermoablation, on ne dort pas à la clinique ?", [("thermoablation", "hospital_stay", None)]),
        ("la biopsie ça ne dure pas longtemps ?", [("biopsie", "duration", None)]),
        ("l'angiographie n'est pas douloureuse ?", [("angiographie", "pain_relief", None)]),
        # "ce" typed for "se" in where, "sa" for "ça" in what for.
        ("l'angiographie ce passe ou ?", [("angiographie", "location", None)]),
        ("embolisation portal a koi sa sere ?", [("embolisation_portale", "purpose", None)]),
        # Pain asked the other way round.
        ("Une biopsie ça fait pas mal au moins pendant qu'on la fait ?", [("biopsie", "pain_relief", None)]),
        # Topics said with their own question phrase: the results' delay, the time to come, alone at home.
        (
            "les résultats de la biopsie du poumon, on les a en combien de temps ?",
            [("biopsie", "results", None)],
        ),
        (
            "à quelle heure je dois arriver pour ma biopsie du rein, et je repars quand ?",
            [("biopsie", "appointment", None), ("biopsie", "hospital_stay", "rein")],
        ),
        # Not for a procedure whose organs the page does not list, nor with another question.
        (
            "peut-on faire une biopsie du poumon sous anesthésie locale ?",
            [("biopsie", "anaesthesia", "poumon")],
        ),
        (
            "on peut faire la thermoablation du foie sous anesthésie ?",
            [("thermoablation", "anaesthesia", "foie")],
        ),
    ],
)
def test_exclusions_corrections_and_lists_are_read_in_context(text, expected):
    decision = decision_for(text)
    assert [(a.procedure, a.kind or a.topic, a.organ) for a in decision.asked] == expected


def test_what_is_not_a_question_on_a_procedure_is_not_answered_about_it():
    text = "Ce n'est pas une question sur ma biopsie, c'est général : comment évitez-vous les infections ?"
    # No procedure question read: the intent's reply (the page's general fact on asepsis).
    assert decision_for(text, "ask_hygiene").outcome == "none"
    assert read_message(INDEX, text).excluded == ["biopsie"]
    # Asked beside a topic the page never covers, the urgency is answered too.
    assert asked("ça se fait en urgence la néphrostomie ou on prend rdv ?") == (
        "answer",
        [("nephrostomie", "urgency"), ("nephrostomie", "appointment")],
    )


def test_a_pronoun_texted_glued_to_its_verb_is_read_apart():
    assert INDEX.vocabulary.correct("jrentre le soir") == "je rentre le soir"
    assert asked("biopsie, jrentre le soir ?") == ("answer", [("biopsie", "hospital_stay")])


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "On me fait une biopsie puis une thermoablation, pour la deuxième je reste combien ?",
            [("thermoablation", "hospital_stay")],
        ),
        (
            "une biopsie et une néphrostomie. La première dure combien ? La seconde, on m'endort ?",
            [("biopsie", "duration"), ("nephrostomie", "anaesthesia")],
        ),
        (
            "une biopsie et une néphrostomie : la biopsie dure combien ? et l'autre ?",
            [("biopsie", "duration"), ("nephrostomie", "duration")],
        ),
    ],
)
def test_a_procedure_pointed_to_by_its_place_in_the_message(text, expected):
    assert asked(text) == ("answer", expected)


def test_an_act_the_page_does_not_describe_named_as_a_comparison_is_aside():
    text = "un cathéter dans les artères du ventre, un peu comme une coronarographie. Ça sert à quoi ?"
    assert asked(text) == ("answer", [("angiographie", "purpose")])
    assert decision_for("une coronarographie, ça sert à quoi ?").outcome == "not_described"


def test_a_question_the_patient_says_is_not_theirs_is_not_answered():
    text = (
        "Pendant la biopsie il y a une anesthésie locale, ce n'est pas ma question : "
        "est-ce que j'aurai mal les jours d'après ?"
    )
    assert asked(text) == ("answer", [("biopsie", "pain_after")])


def test_a_patient_unsure_of_the_name_said_before_is_asked_which_procedure():
    text = "euh non, je ne suis plus sûre du nom, je l'ai confondu avec autre chose"
    decision = decision_for(text, procedure="thermoablation")
    assert (decision.outcome, decision.candidates) == ("clarify", ALL_IDS)
    # Unsure between two: the procedure discussed does not decide.
    unsure = "en fait je ne sais plus si c'est une néphrostomie ou un drainage d'abcès. Je reste combien ?"
    decision = decision_for(unsure, procedure="nephrostomie")
    assert (decision.outcome, sorted(decision.candidates)) == (
        "clarify",
        ["drainage_collection", "nephrostomie"],
    )


def test_the_first_time_is_no_ordinal():
    text = "une biopsie et une néphrostomie. C'est la première fois, ça dure combien ?"
    decision = decision_for(text)
    assert {a.procedure for a in decision.asked} == {"biopsie", "nephrostomie"}


def test_a_drain_that_just_came_out_is_an_emergency():
    for text in [
        "Mon drain pour l'abcès au poumon vient de sortir tout seul, il est par terre !!",
        "Le drain de ma néphrostomie n'est plus là, il est sorti tout seul ce matin. Je fais quoi ?",
    ]:
        assert INDEX.emergency_signs_in(text) == ["drain_out"], text
    assert INDEX.emergency_signs_in("est-ce que le drain peut sortir tout seul ?") == []


def test_a_mistake_owned_about_the_procedure_discussed_asks_which_one():
    text = "euh non, en fait je ne suis plus sûre du tout du nom, je l'ai confondu avec autre chose"
    decision = decision_for(text, "nlu_fallback", procedure="thermoablation")
    assert (decision.outcome, decision.candidates) == ("clarify", ALL_IDS)
    # Told as small talk, a correction that points elsewhere is still read.
    corrected = (
        "non je me suis mal exprimée, ce n'est pas un abcès : c'est pour son rein, l'urine ne s'écoule plus"
    )
    decision = decision_for(corrected, "deny", procedure="drainage_collection")
    assert decision.outcome == "clarify" and "nephrostomie" in decision.candidates
    assert "drainage_collection" not in decision.candidates


def test_the_last_correction_followed_by_a_name_decides():
    text = "une néphrostomie, enfin non, le drain de la vésicule biliaire, je confonds tout. On m'endort ?"
    assert asked(text) == ("answer", [("biliaire", "anaesthesia")])


def test_a_site_denied_with_its_adjective_is_no_site():
    text = "Non, pas d'allergie, pas de problème cardiaque. Ma question : l'angiographie, est-ce dangereux ?"
    assert asked(text) == ("answer", [("angiographie", "risks")])


def test_what_a_part_tells_of_the_procedure_had_before_is_no_question_on_the_one_meant():
    text = (
        "la dernière fois, ma biopsie sous la peau, je suis reparti, là c'est une biopsie profonde, pareil ?"
    )
    decision = decision_for(text)
    assert [(a.procedure, a.kind, a.organ) for a in decision.asked] == [
        ("biopsie", "hospital_stay", "profond")
    ]
    # The organ of the one had before is not the one meant.
    text = (
        "J'ai eu une biopsie du poumon l'an dernier. Cette fois c'est une biopsie du foie, je reste combien ?"
    )
    assert {a.organ for a in decision_for(text).asked} == {"foie"}


@pytest.mark.parametrize(
    "text",
    [
        "j'ai déjà eu une biopsie du poumon. cette fois c'est le rein, je reste combien ?",
        "la derniere fois (biopsie du poumon) j'ai dormi une nuit a la clinique. "
        "cette fois c le rein, ce sera pareil ?",
    ],
)
def test_an_organ_said_now_after_a_procedure_had_before_is_that_procedure_on_that_organ(text):
    # Not the lung's stay (the one had before), nor both.
    assert {(a.procedure, a.kind, a.organ) for a in decision_for(text).asked} == {
        ("biopsie", "hospital_stay", "rein")
    }


def test_an_organ_said_now_beside_a_procedure_meant_changes_nothing():
    text = "j'ai eu une biopsie du poumon, cette fois c'est une néphrostomie pour le rein, je reste combien ?"
    assert asked(text) == ("answer", [("nephrostomie", "hospital_stay")])


def test_a_correction_ending_with_en_fait_corrects_from_its_first_cue():
    text = "une biopsie du poumon, ah non c'est le rein en fait, je reste combien ?"
    assert {(a.procedure, a.kind, a.organ) for a in decision_for(text).asked} == {
        ("biopsie", "hospital_stay", "rein")
    }
    # The drain in the kidney is corrected: not the nephrostomy's purpose.
    text = "c pour un drain dans le rein, ah non c dans le foie pour un abces en fait. ca sert a quoi"
    decision = decision_for(text)
    assert decision.outcome == "clarify" and "drainage_collection" in decision.candidates
    assert "nephrostomie" not in decision.candidates


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "je ne parle pas de la durée du geste mais du séjour : "
            "je reste combien de temps après la biopsie ?",
            [("biopsie", "hospital_stay")],
        ),
        (
            "pas la durée du geste, combien de nuits je reste pour la néphrostomie ?",
            [("nephrostomie", "hospital_stay")],
        ),
        ("je ne parle pas de l'anesthésie, la biopsie dure combien ?", [("biopsie", "duration")]),
        # A negated question is still asked.
        (
            "ce n'est pas long la biopsie ? on m'endort ?",
            [("biopsie", "duration"), ("biopsie", "anaesthesia")],
        ),
    ],
)
def test_a_question_named_with_its_article_after_pas_is_set_aside(text, expected):
    assert asked(text) == ("answer", expected)


def test_another_way_of_doing_the_procedure_set_aside_leaves_the_words_that_describe_it():
    text = (
        "Ce n'est pas par endoscopie qu'on va me déboucher les voies biliaires, c'est le radiologue "
        "qui passe par la peau pour poser un stent. Comment ça se déroule ?"
    )
    assert asked(text) == ("answer", [("biliaire", "how_it_is_done")])


def test_on_ne_peut_pas_asks_whether_it_can_be_done_and_denies_no_act():
    text = "On ne peut pas déboucher mes voies biliaires autrement qu'avec le radiologue ? je suis jaune"
    assert asked(text) == ("answer", [("biliaire", "alternatives")])
    # But "pas" alone still denies: the patient's own gallbladder is not the reason.
    assert (
        decision_for("ce n'est pas pour déboucher les voies biliaires, ça dure combien ?").outcome != "answer"
    )


def test_the_act_described_with_another_way_of_doing_it_asks_its_alternatives():
    text = (
        "Pas de stent par endoscopie pour moi, le gastro-entérologue dit que ce n'est pas possible. "
        "Il existe une autre solution pour rouvrir mes voies biliaires ?"
    )
    assert asked(text) == ("answer", [("biliaire", "alternatives")])
    # Asked about the other act itself, it is the act the page does not describe.
    assert decision_for("une CPRE pour déboucher les voies biliaires, ça dure combien ?").outcome == (
        "not_described"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "À part la thermo-ablation, il y a quoi d'autre comme solutions pour une petite tumeur du rein ?",
            [("thermoablation", "alternatives")],
        ),
        (
            "Ils vont lui poser une néphrostomie cette nuit. C'est normal que ce soit fait aussi vite ?",
            [("nephrostomie", "urgency")],
        ),
        ("kimio dan lartere du foi par angio cest koi le but", [("angiographie", "purpose")]),
        (
            "labces au poumon on le draine cmt ? jsui pa endormi ?",
            [("drainage_collection", "how_it_is_done"), ("drainage_collection", "anaesthesia")],
        ),
        ("apre lanbolisation portal cb de semen avan lepatectomi", [("embolisation_portale", "delay")]),
    ],
)
def test_questions_in_words_patients_use(text, expected):
    assert asked(text) == ("answer", expected)


def test_going_home_alone_by_bus_is_how_one_gets_home_not_the_stay():
    text = "est-ce que je pourrai rentrer seule en bus après mon infiltration ?"
    decision = decision_for(text)
    assert [(a.procedure, a.kind, a.topic) for a in decision.asked] == [("infiltration", None, "driving")]


def test_a_question_asked_of_each_procedure_hesitated_between_answers_each():
    text = (
        "Le médecin hésite entre une radiofréquence de ma tumeur du rein et une embolisation de l'artère "
        "qui la nourrit. À quoi sert chacune des deux ?"
    )
    assert asked(text) == ("answer", [("thermoablation", "purpose"), ("angiographie", "purpose")])
    # Not asked of each: which one.
    decision = decision_for("le médecin hésite entre une biopsie et une thermoablation, ça dure combien ?")
    assert (decision.outcome, sorted(decision.candidates)) == ("clarify", ["biopsie", "thermoablation"])


def test_soit_before_a_verb_hesitates_between_what_each_verb_does():
    text = (
        "ils vont soit prélever soit brûler quelque chose dans mon poumon, "
        "je me souviens plus lequel des deux. ça dure combien ?"
    )
    decision = decision_for(text)
    assert (decision.outcome, sorted(decision.candidates)) == ("clarify", ["biopsie", "thermoablation"])


def test_a_generic_word_stands_for_the_procedure_named_with_it():
    text = "une néphrostomie et un drainage d'abcès dans l'abdomen. Le drainage, c'est risqué ?"
    assert asked(text) == ("answer", [("drainage_collection", "risks")])


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ils vont me mettre une aiguille près de la colonne pour injecter un produit qui calme la "
            "douleur qui me descend dans la jambe. Quels sont les risques ?",
            ("infiltration", "risks"),
        ),
        (
            "Une fine aiguille va aller chercher un morceau de mon rein pour le regarder au microscope. "
            "C'est sous anesthésie ?",
            ("biopsie", "anaesthesia"),
        ),
    ],
)
def test_an_act_told_in_lay_words_with_another_word_of_it_is_that_procedure(text, expected):
    decision = decision_for(text)
    assert [(a.procedure, a.kind) for a in decision.asked] == [expected] and decision.described


def test_the_stay_and_the_overview_in_more_words():
    text = "Pour la chimiothérapie ciblée par angiographie, je serai libéré à quelle heure ?"
    assert asked(text) == ("answer", [("angiographie", "hospital_stay")])
    assert asked("La néphrostomie, c'était quoi déjà ?") == ("answer", [("nephrostomie", "overview")])


def test_a_procedure_set_aside_after_it_was_named_is_not_answered():
    text = (
        "On m'a proposé deux choses, une biopsie du foie et une embolisation portale. "
        "Pas la biopsie, l'autre : elle sert à quoi exactement ?"
    )
    assert asked(text) == ("answer", [("embolisation_portale", "purpose")])


def test_a_topic_a_negation_splits_is_asked():
    text = "je ne mange pas le matin de ma néphrostomie ? et on ne m'endort pas complètement ?"
    decision = decision_for(text)
    assert [(a.procedure, a.kind, a.topic) for a in decision.asked] == [
        ("nephrostomie", None, "fasting"),
        ("nephrostomie", "anaesthesia", None),
    ]


@pytest.mark.parametrize(
    "text, candidates",
    [
        (
            "Pour ma tumeur au rein ils hésitent entre la brûler avec une aiguille ou boucher l'artère "
            "qui la nourrit, je sais pas encore lequel. Combien de temps à l'hôpital ?",
            {"thermoablation", "angiographie"},
        ),
        (
            "On va m'enfoncer une aiguille dans mon nodule du poumon, soit pour en prendre un bout soit pour "
            "le détruire. C'est dangereux ?",
            {"biopsie", "thermoablation"},
        ),
    ],
)
def test_a_hesitation_between_two_acts_told_in_lay_words_asks_which(text, candidates):
    decision = decision_for(text)
    assert decision.outcome == "clarify" and candidates <= set(decision.candidates)


def test_rien_de_sets_a_site_aside():
    text = (
        "Ma biopsie, ce n'est rien de profond, c'est une petite boule juste sous la peau du bras. Je reste ?"
    )
    assert [(a.kind, a.organ) for a in decision_for(text).asked] == [("hospital_stay", "superficiel")]


def test_what_is_said_of_the_one_set_aside_with_a_pronoun_does_not_point_to_it():
    text = (
        "Pas celle qu'on fait sur le foie avant une hépatectomie, l'autre, celle pour arrêter un "
        "saignement. C'est quoi exactement ?"
    )
    pending = ["angiographie", "embolisation_portale"]
    assert asked(text, candidates=pending) == ("answer", [("angiographie", "overview")])


def test_a_follow_up_asking_how_it_is_done_in_known_words_is_about_the_procedure_discussed():
    assert asked("sa se pass coman", "nlu_fallback", procedure="biopsie") == (
        "answer",
        [("biopsie", "how_it_is_done")],
    )
    # Not a question on something else, nor "pourquoi …", which may ask anything.
    assert decision_for("comment on fait une tarte ?", "nlu_fallback", procedure="biopsie").outcome == "none"
    assert decision_for("pourquoi le ciel est bleu ?", "nlu_fallback", procedure="biopsie").outcome == "none"


def test_a_mistake_owned_with_words_that_fit_the_procedure_discussed_corrects_the_question():
    text = (
        "non pardon je voulais dire le geste lui-même, l'aiguille et tout ça, ça prend combien de temps "
        "sur la table ?"
    )
    assert asked(text, procedure="biopsie", aspects=["hospital_stay"]) == (
        "answer",
        [("biopsie", "duration")],
    )


def test_a_camera_through_the_mouth_is_an_endoscopy_the_page_does_not_describe():
    text = "On doit me passer une caméra par la bouche pour regarder mon estomac, ça dure combien de temps ?"
    assert decision_for(text).outcome == "not_described"


def test_a_correction_word_ending_a_part_corrects_nothing_after_it():
    text = (
        "Mais une angiographie viscérale, c'est quoi en fait ? Mon gastro en a parlé en passant et je "
        "n'ai pas osé lui redemander."
    )
    assert asked(text) == ("answer", [("angiographie", "overview")])


def test_non_ending_a_part_still_corrects():
    text = "une biopsie, euh non, une néphrostomie. c'est fait sous anesthésie générale ?"
    assert asked(text) == ("answer", [("nephrostomie", "anaesthesia")])


def test_a_topic_the_patient_says_they_do_not_ask_is_not_answered():
    text = "Bon, je ne vais pas vous demander le prix ni rien. Mais une angiographie viscérale, c'est quoi ?"
    assert asked(text) == ("answer", [("angiographie", "overview")])


def test_a_procedure_after_pas_in_a_hypothesis_is_not_set_aside():
    text = "Et si on ne fait PAS l'embolisation portale, qu'est-ce qui se passe ? Pourquoi y tient-il ?"
    assert asked(text) == ("answer", [("embolisation_portale", "purpose")])


def test_the_procedure_to_do_again_is_on_the_organ_said_after_it():
    text = (
        "Ma fille n'a pas été endormie pour sa biopsie de rein l'an dernier, et elle n'a pas dormi à "
        "l'hôpital non plus. Là elle doit en refaire une, au poumon cette fois. Elle va rester combien "
        "de temps ?"
    )
    assert [(a.procedure, a.kind, a.organ) for a in decision_for(text).asked] == [
        ("biopsie", "hospital_stay", "poumon")
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Sur l'embolisation portale : c'est quoi, et au bout de combien de temps on m'opère du foie ?",
            [("embolisation_portale", "overview"), ("embolisation_portale", "delay")],
        ),
        ("la termo du rein ca dur cmb de tps le gest lui mm", [("thermoablation", "duration")]),
        ("ma fame doi avoir un stent bilier par la peau cmt ca se passe", [("biliaire", "how_it_is_done")]),
    ],
)
def test_more_questions_in_words_patients_use(text, expected):
    assert asked(text) == ("answer", expected)


def test_a_drain_fallen_out_an_hour_ago_is_an_emergency():
    assert INDEX.emergency_signs_in("jai un drin ds le rin pr evacu les urine il é tombé ya 1h") == [
        "drain_out"
    ]


def test_an_organ_alone_does_not_decide_a_generic_word_between_procedures_done_on_it():
    decision = decision_for("on va me faire une ponction du poumon, je reste dormir ?")
    assert (decision.outcome, sorted(decision.candidates)) == ("clarify", ["biopsie", "drainage_collection"])


@pytest.mark.parametrize(
    "text",
    [
        "une néphrostomie et non une thermo-ablation, c'est long ?",
        "une néphrostomie plutôt qu'une biopsie, c'est long ?",
        "au lieu d'une biopsie, on me fait une néphrostomie. c'est long ?",
    ],
)
def test_a_procedure_set_aside_with_et_non_or_plutot_que_is_neither_answered_nor_an_alternatives_question(
    text,
):
    assert asked(text) == ("answer", [("nephrostomie", "duration")])


def test_apres_before_a_procedure_whose_part_asks_is_a_question_about_it():
    text = "Après l'infiltration je sors quand ? Et aussi à quoi sert le drainage de l'abcès ?"
    assert asked(text) == ("answer", [("infiltration", "hospital_stay"), ("drainage_collection", "purpose")])


@pytest.mark.parametrize(
    "text, signs",
    [
        ("je n'ai pas de douleur thoracique, mais je veux savoir si on m'endort", []),
        ("je ne suis pas essoufflé, mais la biopsie du poumon c'est risqué ?", []),
        ("aucune fièvre depuis la biopsie, c'est normal que j'aie un peu mal ?", []),
        # A denial of another sign, or before the words, keeps the sign told.
        ("pas de fièvre mais je saigne beaucoup", ["bleeding"]),
        ("je ne sais pas, j'ai du mal à respirer depuis ce matin", ["breathing"]),
        ("pas de douleur mais le sang traverse le pansement depuis 10 minutes", ["bleeding"]),
        ("il n'a plus de pouls au pied", ["cold_limb"]),
        # A sign to be prevented is none; a sign told beside it still is.
        ("on m'a prévu l'occlusion d'une artère pour limiter l'hémorragie, je reste combien ?", []),
        (
            "je saigne, c'est pour limiter le saignement qu'on m'a fait l'embolisation, et là ça coule",
            ["bleeding"],
        ),
        # What an act named right before treats is none either; told of oneself, it still is.
        ("Mon frère a une embolisation pour une hémorragie digestive, ils vont le garder longtemps ?", []),
        ("l'embolisation d'une hémorragie digestive, ça dure combien ?", []),
        ("c'est l'embolisation pour arrêter une hémorragie. c'est fait en urgence ?", []),
        ("j'ai une hémorragie digestive, on va m'emboliser, je reste combien de temps ?", ["bleeding"]),
        ("j'ai eu une embolisation pour une hémorragie et je saigne beaucoup depuis ce matin", ["bleeding"]),
        # The act's name as the subject of the sign: "mon drain pour la bile saigne".
        ("mon drain pour la bile saigne beaucoup", ["bleeding"]),
        # Failing to stop a bleeding is one.
        ("je n'arrive pas à arrêter le saignement depuis ce matin", ["bleeding"]),
        ("je n'arrive pas à stopper le sang qui coule de mon pansement", ["bleeding"]),
    ],
)
def test_a_sign_denied_right_before_it_raises_no_alarm(text, signs):
    assert INDEX.emergency_signs_in(text) == signs


# Two procedures, each with its own question, joined in the ways patients write them.
NAMED = [("l'infiltration", "infiltration"), ("la néphrostomie", "nephrostomie"), ("la biopsie", "biopsie")]
QUESTION_ABOUT = {
    "duration": "combien de temps dure {p}",
    "hospital_stay": "après {p} je sors quand",
    "anaesthesia": "est-ce qu'on m'endort pour {p}",
    "risks": "{p}, c'est dangereux",
}
JOINED = [
    "{a} et {b} ?",
    "{a} ? {b} ?",
    "{a} ; {b} ?",
    "{a} ? Par contre {b} ?",
    "Deux questions : {a}, {b} ?",
]


@pytest.mark.parametrize("joined", JOINED)
@pytest.mark.parametrize("first, second", list(itertools.permutations(QUESTION_ABOUT, 2)))
def test_each_procedure_gets_its_own_question(joined, first, second):
    (one, one_id), (other, other_id) = random.Random(f"{first}{second}{joined}").sample(NAMED, 2)
    a, b = QUESTION_ABOUT[first].format(p=one), QUESTION_ABOUT[second].format(p=other)
    text = joined.format(a=a, b=b)
    assert asked(text[0].upper() + text[1:]) == ("answer", [(one_id, first), (other_id, second)]), text


EXCLUDED_THEN_MEANT = [
    "pas {x}, {y} : ça dure combien ?",
    "ce n'est pas {x} mais {y}, ça dure combien ?",
    "{y} plutôt que {x}, ça dure combien ?",
    "{y} et non {x}, ça dure combien ?",
    "rien à voir avec {x}, c'est {y}. ça dure combien ?",
    "on m'avait parlé de {x} mais finalement c'est {y}, ça dure combien ?",
    "{x} ? non, {y}. ça dure combien ?",
]


@pytest.mark.parametrize("told", EXCLUDED_THEN_MEANT)
def test_the_procedure_set_aside_is_not_answered(told):
    text = told.format(x="une biopsie", y="une néphrostomie").replace("de une", "d'une")
    assert asked(text) == ("answer", [("nephrostomie", "duration")]), text


@pytest.mark.parametrize(
    "text, candidates",
    [
        ("on me met un drain dans le foie, je reste combien ?", ["biliaire", "drainage_collection"]),
        ("une ponction du foie, c'est long ?", ["biopsie", "drainage_collection"]),
        ("une ponction du rein, c'est long ?", ["biopsie", "nephrostomie"]),
    ],
)
def test_an_organ_where_several_candidates_are_done_asks_which(text, candidates):
    decision = decision_for(text)
    assert (decision.outcome, sorted(decision.candidates)) == ("clarify", candidates)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("On peut éviter la thermo-ablation ?", "alternatives"),
        ("À la place de la thermo-ablation, qu'est-ce qu'on peut faire ?", "alternatives"),
        ("La thermo-ablation ou une opération ?", "alternatives"),
        ("La néphrostomie peut attendre ?", "urgency"),
        ("Après l'embolisation portale, l'hépatectomie c'est quand ?", "delay"),
    ],
)
def test_where_who_and_alternatives_asked_in_more_ways(text, kind):
    assert kind in decision_for(text).question_kinds


TOPIC_ASKED = {
    "fasting": "je dois être à jeun",
    "work": "je reprends le travail quand",
    "preparation": "qu'est-ce que je dois faire avant",
    "driving": "je peux rentrer en voiture",
}


@pytest.mark.parametrize("joined", JOINED)
@pytest.mark.parametrize("topic", TOPIC_ASKED)
def test_a_question_the_page_never_answers_beside_one_it_does(joined, topic):
    text = joined.format(a="combien de temps dure la néphrostomie", b=TOPIC_ASKED[topic])
    expected = [("nephrostomie", "duration"), ("nephrostomie", topic)]
    assert asked(text[0].upper() + text[1:]) == ("answer", expected), text


@pytest.mark.parametrize(
    "asked_so",
    [
        "je quitte la clinique quand après {p} ?",
        "{p} : c'est une journée ou plusieurs ?",
        "je pourrai dormir chez moi après {p} ?",
        "après {p}, je rentre directement ?",
        "{p} : je reviens chez moi quand ?",
        "{p}, c'est combien de temps sur place ?",
        "{p} : sortie le même jour ?",
        "je dois rester combien de temps pour {p} ?",
        "ils me gardent combien de temps pour {p} ?",
    ],
)
def test_the_stay_said_in_many_ways_is_the_stay(asked_so):
    assert asked(asked_so.format(p="la néphrostomie")) == ("answer", [("nephrostomie", "hospital_stay")])


def test_a_la_place_de_sets_a_procedure_aside_for_another_or_asks_its_alternatives():
    text = "à la place de la biopsie on me fait une néphrostomie, c'est long ?"
    assert asked(text) == ("answer", [("nephrostomie", "duration")])
    alone = "À la place de la thermo-ablation, qu'est-ce qu'on peut faire ?"
    assert ("thermoablation", "alternatives") in asked(alone)[1]


def test_pain_asked_without_ca_is_asked_and_pain_told_afterwards_is_the_topic_the_page_never_covers():
    assert asked("La biopsie fait mal ? elle dure longtemps ?") == (
        "answer",
        [("biopsie", "pain_relief"), ("biopsie", "duration")],
    )
    assert asked("ça me fait mal depuis hier après la biopsie, c'est normal ?") == (
        "answer",
        [("biopsie", "pain_after")],
    )
    # "est-ce que c'est …" asks no overview beside the question.
    assert asked("Qui décide de la thermo-ablation et est-ce que c'est douloureux ?") == (
        "answer",
        [("thermoablation", "who_decides"), ("thermoablation", "pain_relief")],
    )


def test_a_ligature_is_read_as_its_two_letters():
    # "cœur" is one of the file's sites outside a scope, written "coeur" there too.
    assert normalize("Cœur, sœur, Œdème") == "coeur soeur oedeme"
    decision = decision_for("radiofréquence pour mon cœur, je reste combien ?", "ask_hospital_stay")
    assert decision.outcome == "not_described"


def test_a_doubt_the_patient_settles_after_is_no_doubt():
    settled = (
        "Je ne suis pas sûr que ce soit une biopsie... ah si, c'est bien ça, une biopsie du foie. "
        "Elle dure combien ?"
    )
    assert asked_of(decision_for(settled, "ask_duration")) == [("biopsie", "duration")]
    doubt = "je ne sais plus si c'est une biopsie ou une thermoablation, ça dure combien ?"
    decision = decision_for(doubt, "ask_duration")
    assert (decision.outcome, decision.candidates) == ("clarify", ["biopsie", "thermoablation"])


def test_a_precise_question_on_an_act_of_interventional_radiology_asks_which_act():
    text = "je vais avoir un acte de radiologie interventionnelle, je sors le jour meme ?"
    decision = decision_for(text, "ask_interventional_radiology")
    assert (decision.outcome, decision.pending) == ("clarify", ["hospital_stay"])
    assert decision.candidates == ALL_IDS


@pytest.mark.parametrize(
    "text, expected",
    [
        # "et après …" ending a message asks the question before of it.
        (
            "je reste combien après la biopsie du poumon ? et après l'embolisation portale ?",
            [("biopsie", "hospital_stay"), ("embolisation_portale", "hospital_stay")],
        ),
        # "et moi ?", "pour lui et pour moi": each person's procedure.
        (
            "ma femme a une biopsie du poumon et moi une infiltration ; "
            "elle reste combien de temps, et moi ?",
            [("biopsie", "hospital_stay"), ("infiltration", "hospital_stay")],
        ),
        (
            "biopsie du poumon pour moi, drainage d'abcès pour mon frère. "
            "Combien de nuits pour lui et pour moi ?",
            [("drainage_collection", "hospital_stay"), ("biopsie", "hospital_stay")],
        ),
        # Time on the table, in the room, at the theatre: the length of the act, not the stay.
        ("la biopsie, je reste combien de temps sur la table ?", [("biopsie", "duration")]),
        (
            "je vais rester combien de temps au bloc pour la thermoablation ?",
            [("thermoablation", "duration")],
        ),
        ("je reste combien de temps à la clinique après la biopsie ?", [("biopsie", "hospital_stay")]),
        # Where, said with the act as subject.
        (
            "la néphrostomie est-elle urgente ? où est-elle réalisée ?",
            [("nephrostomie", "urgency"), ("nephrostomie", "location")],
        ),
        ("la néphrostomie, ça se fait dans quelle partie de l'hôpital ?", [("nephrostomie", "location")]),
        # "foi" typed for "foie".
        ("prelevement du foi, sa dur konbien ?", [("biopsie", "duration")]),
        ("Dans quel lieu se déroule l'infiltration ?", [("infiltration", "location")]),
        (
            "la néphrostomie, c'est en urgence ? c'est à la clinique ?",
            [("nephrostomie", "urgency"), ("nephrostomie", "location")],
        ),
        ("Quelles tumeurs peut-on traiter par thermoablation ?", [("thermoablation", "organs_concerned")]),
        ("est-ce que la thermoablation s'applique au rein ?", [("thermoablation", "organs_concerned")]),
        (
            "la néphrostomie, c'est une urgence ? et ça se déroule où ?",
            [("nephrostomie", "urgency"), ("nephrostomie", "location")],
        ),
        (
            "est-il urgent de faire la néphrostomie et où sera-t-elle posée ?",
            [("nephrostomie", "urgency"), ("nephrostomie", "location")],
        ),
        (
            "ya une autre fasson que par la peau pour deboucher les voies bilières ?",
            [("biliaire", "alternatives")],
        ),
        ("la thermoablation, c'est possible sur le rein ?", [("thermoablation", "organs_concerned")]),
        (
            "l'embolisation portale c'est urgent ? c'est dans quel hôpital ?",
            [("embolisation_portale", "urgency"), ("embolisation_portale", "location")],
        ),
        ("la biopsie : une heure ou plus ?", [("biopsie", "duration")]),
        (
            "le drainage de l'abcès, faut-il se dépêcher ? je dois venir où ?",
            [("drainage_collection", "urgency"), ("drainage_collection", "location")],
        ),
        # A question named after "pas" with the noun that names it is set aside.
        ("la biopsie : le temps de l'examen, pas le temps passé à la clinique", [("biopsie", "duration")]),
        ("pas la durée du séjour, combien de temps dure la biopsie ?", [("biopsie", "duration")]),
    ],
)
def test_questions_found_on_dev_sets_of_this_session(text, expected):
    assert asked(text) == ("answer", expected)


def test_a_place_asked_beside_symptoms_asks_which_act_even_when_read_as_general():
    """ "pour ma sciatique, le geste se fait dans quelle salle ?": the act's place (whose reply
    gives the general fact too) once chosen, not the general fact alone."""
    decision = decision_for("pour ma sciatique, le geste se fait dans quelle salle ?", "ask_location")
    assert (decision.outcome, decision.candidates, decision.pending) == (
        "clarify",
        ["infiltration"],
        ["location"],
    )
    decision = decision_for("pour ma sciatique on va me piquer, où sont réalisés ces actes ?", "ask_location")
    assert (decision.outcome, decision.candidates, decision.pending) == (
        "clarify",
        ["infiltration"],
        ["location"],
    )
    decision = decision_for(
        "on va me faire une piqûre sous scanner, c'est dans quelle salle ?", "ask_location"
    )
    assert decision.outcome == "clarify" and "infiltration" in decision.candidates


@pytest.mark.parametrize(
    "turns, expected",
    [
        # "pas celle-là", "je ne parle pas de ça": what was named before is set aside.
        (
            [
                "J'ai deux examens prévus : une biopsie du foie et une angiographie viscérale.",
                "La biopsie, je connais déjà. Pas celle-là, l'autre : est-ce qu'elle est risquée ?",
            ],
            [("angiographie", "risks")],
        ),
        (
            [
                "Je vais avoir une infiltration pour ma sciatique.",
                "J'ai lu des choses sur les biopsies mais je ne parle pas de ça. Qui décide si c'est utile ?",
            ],
            [("infiltration", "who_decides")],
        ),
        # Texted "mtn" (now), "RF", "embo".
        (["plus de drain biliaire, mtn c une nephrostomi. c urgent ?"], [("nephrostomie", "urgency")]),
        (
            ["Non pas la RF, l'embo portale : combien de semaines entre elle et l'opé du foie ?"],
            [("embolisation_portale", "delay")],
        ),
        # Another act set aside with a verb between ("ne vont pas regarder dans l'estomac").
        (
            [
                "Ils ne vont pas regarder dans l'estomac, ils vont drainer ma jaunisse en passant par la "
                "peau. Ça dure longtemps ?"
            ],
            [("biliaire", "duration")],
        ),
        # "pas seulement" sets nothing aside.
        (
            [
                "Mon fils a un abcès profond dans l'abdomen. Pas seulement des antibiotiques cette fois, "
                "ils vont lui poser un drain sous scanner. Il va rester combien de jours ?"
            ],
            [("drainage_collection", "hospital_stay")],
        ),
        # A question word that is a context word ("quels organes") moves no follow-up elsewhere.
        (
            [
                "Bonjour, une question sur l'angiographie viscérale.",
                "Ce n'est pas pour un saignement chez moi, c'est pour une chimiothérapie ciblée. "
                "Elle peut viser quels organes ?",
            ],
            [("angiographie", "organs_concerned")],
        ),
    ],
)
def test_negations_found_on_a_dev_set_of_this_session(turns, expected):
    slots = {}
    for turn in turns:
        decision = decide(INDEX, read_message(INDEX, turn), None, slots)
        slots = {"procedure": decision.procedure, "organ": decision.organ, "aspects": decision.question_kinds}
    assert asked_of(decision) == expected


def test_a_precise_question_for_a_relative_asks_which_act_whatever_the_classifier_read():
    text = "ma mère doit passer un examen la semaine prochaine, elle va rester combien de temps ?"
    decision = decision_for(text, "nlu_fallback")
    assert (decision.outcome, decision.candidates, decision.pending) == (
        "clarify",
        ALL_IDS,
        ["hospital_stay"],
    )
    # Words no list knows: not a question on an act.
    assert decision_for("mon fils fait du foot, c'est dangereux ?", "nlu_fallback").outcome == "none"
