"""The DIET classifier loaded without tracing a training step (applied by `patches.apply_all()`).

To give a saved model's variables their shapes, Rasa 3.6's `RasaModel.load` trains it on one
example with `model.fit`. Keras traces that whole training step (forward, loss, gradients, optimizer)
into a TensorFlow graph: about 13 of the Rasa server's 25 s start-up here, for a step whose result
is thrown away, since the saved weights are loaded over it just after. Running that one step
eagerly creates the same variables without tracing. The prediction function is still traced at
load, as Rasa does, so a message costs the same. tests/test_model_loading.py checks that both
loads give the same predictions.
"""

from __future__ import annotations

from typing import Any, Optional

import tensorflow as tf
from rasa.utils.tensorflow import models
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData


# Rasa 3.6.21's RasaModel.load, with the one-example step run eagerly.
def load_without_tracing_the_training_step(
    cls,
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: Optional[RasaModelData] = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> models.RasaModel:
    model = cls(*args, **kwargs)
    learning_rate = kwargs.get("config", {}).get(LEARNING_RATE, 0.001)
    run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)

    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=True)
    model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
    # Back to the configured mode: Rasa predicts eagerly when the model was compiled so.
    model.run_eagerly = run_eagerly
    model.load_weights(model_file_name)

    if not finetune_mode and predict_data_example:
        model.run_inference(predict_data_example)
    return model


def load_models_without_tracing_the_training_step() -> None:
    models.RasaModel.load = classmethod(load_without_tracing_the_training_step)
