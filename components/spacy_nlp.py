"""SpacyNLP without the spaCy components nothing in the pipeline reads.

Rasa loads spaCy without its parser; fr_core_news_sm's named-entity recogniser
still runs on every message (2 to 3 ms of the turn, bench/profile_message.py),
although our entities come from the CRF and the lookup tables. Tokens, lemmas,
part-of-speech tags and vectors, which the tokenizer and featurizers use, come
from the components kept, so the NLU output is the same.
"""

from __future__ import annotations

import functools
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

UNUSED_SPACY_COMPONENTS: List[str] = ["parser", "ner"]


# Same class name as Rasa's: the tokenizer and featurizers find their spaCy
# model through the node whose class is called "SpacyNLP".
@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Rasa's SpacyNLP, with `UNUSED_SPACY_COMPONENTS` switched off."""

    # Rasa's prediction graph creates this component twice (the model provider and the message
    # featurizer): both get the one model loaded, 2 s less at start-up.
    @staticmethod
    @functools.cache
    def load_model(spacy_model_name: str) -> SpacyModel:
        spacy_model = spacy_utils.SpacyNLP.load_model(spacy_model_name)
        for name in UNUSED_SPACY_COMPONENTS:
            if name in spacy_model.model.pipe_names:  # disabled ones are not listed
                spacy_model.model.disable_pipe(name)
        return spacy_model
