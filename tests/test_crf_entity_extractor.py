"""The CRF trains without changing the messages it shares with DIET (components/crf_entity_extractor.py)."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import BILOU_ENTITIES
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import LexicalSyntacticFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.crf_entity_extractor import CRFEntityExtractor

pytestmark = pytest.mark.unit


def featurized_examples(tmp_path) -> TrainingData:
    examples = [
        Message.build("combien de temps dure la biopsie", intent="ask_duration",
                      entities=[{"start": 25, "end": 32, "value": "biopsie", "entity": "procedure"}]),
        Message.build("on m'endort pour la néphrostomie", intent="ask_anaesthesia",
                      entities=[{"start": 20, "end": 32, "value": "néphrostomie", "entity": "procedure"}]),
    ]
    training_data = TrainingData(training_examples=examples)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(training_data)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    featurizer = LexicalSyntacticFeaturizer.create(
        LexicalSyntacticFeaturizer.get_default_config(), storage, Resource("lexical"), context
    )
    featurizer.train(training_data)
    featurizer.process_training_data(training_data)
    return training_data


def test_training_leaves_the_shared_messages_and_their_fingerprints_as_they_were(tmp_path):
    training_data = featurized_examples(tmp_path)
    before = [message.fingerprint() for message in training_data.training_examples]
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    config = CRFEntityExtractor.get_default_config()
    crf = CRFEntityExtractor.create(config, storage, Resource("crf"), context)
    crf.train(training_data)
    assert crf.entity_taggers, "the CRF was trained"
    assert all(BILOU_ENTITIES not in message.data for message in training_data.training_examples)
    assert [message.fingerprint() for message in training_data.training_examples] == before
