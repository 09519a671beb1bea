"""components/spacy_nlp.py: spaCy's unused components are off, what Rasa reads is unchanged."""

from __future__ import annotations

import pytest
import spacy
import yaml
from rasa.nlu.utils import spacy_utils

from components.spacy_nlp import UNUSED_SPACY_COMPONENTS, SpacyNLP
from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit

MODEL = "fr_core_news_sm"
SENTENCES = [
    "Est-ce qu'on m'endort pour la néphrostomie ?",
    "Je reste combien de nuits après une biopsie du poumon à Lyon ?",
    "c'est quoi une thermoablation du foie",
]


@pytest.fixture(scope="module")
def lean_and_full():
    return SpacyNLP.load_model(MODEL).model, spacy_utils.SpacyNLP.load_model(MODEL).model


def test_the_unused_components_do_not_run(lean_and_full):
    lean, full = lean_and_full
    assert "ner" in full.pipe_names  # what there is to switch off
    for name in UNUSED_SPACY_COMPONENTS:
        assert name not in lean.pipe_names
    assert set(lean.pipe_names) < set(full.pipe_names)
    assert not lean("Une biopsie à Lyon chez le docteur Martin").ents


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tokens_lemmas_tags_and_vectors_are_those_of_the_full_model(lean_and_full, sentence):
    lean, full = lean_and_full
    lean_doc, full_doc = lean(sentence), full(sentence)
    assert [(t.text, t.lemma_, t.pos_, t.tag_) for t in lean_doc] == [
        (t.text, t.lemma_, t.pos_, t.tag_) for t in full_doc
    ]
    assert lean_doc.vector.tolist() == pytest.approx(full_doc.vector.tolist(), abs=1e-6)


def test_the_pipeline_uses_it_under_the_name_the_featurizers_look_for():
    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    assert config["pipeline"][0]["name"] == "components.spacy_nlp.SpacyNLP"
    assert SpacyNLP.__name__ == "SpacyNLP" and issubclass(SpacyNLP, spacy_utils.SpacyNLP)
    assert spacy.util.is_package(MODEL)
