"""Rasa's CRFEntityExtractor, trained without writing into the training data it shares.

Rasa 3.6's `CRFEntityExtractor.train` writes BILOU tags into the training messages, and the
training graph hands the same messages to DIET and the synonym mapper. When the CRF trains first,
those two are fingerprinted on the changed messages, so their cache entries never match again:
the next `rasa train` retrains DIET (minutes) although nothing changed, e.g. the first `make test`
after `make run` on a clean clone. Trained on copies of the messages, the CRF learns the same model
and leaves the shared ones as they were.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors import crf_entity_extractor
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def copy_of_examples(training_data: TrainingData) -> TrainingData:
    """The training examples as new messages (their data copied, their features shared)."""
    copies = [
        Message(
            data=message.data,  # Message copies the dictionary
            output_properties=set(message.output_properties),
            time=message.time,
            features=list(message.features),
        )
        for message in training_data.training_examples
    ]
    return TrainingData(training_examples=copies)


# Same class name as Rasa's: the evaluation reports are named after it.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CRFEntityExtractor(crf_entity_extractor.CRFEntityExtractor):
    """Rasa's CRF entity extractor; `train` leaves the shared training messages unchanged."""

    def train(self, training_data: TrainingData) -> Resource:
        return super().train(copy_of_examples(training_data))
