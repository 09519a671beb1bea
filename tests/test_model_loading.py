"""The DIET classifier loaded as patches/model_loading.py does holds the same model as Rasa's load."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.servers import REPO_ROOT, base_env

# Loads the trained model's DIET classifier twice in one process, with Rasa's own load and then
# with the patch, and prints what the test compares.
LOAD_BOTH_WAYS = """
import json, tempfile
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.model import get_latest_model
from rasa.nlu.classifiers.diet_classifier import LABEL_KEY, DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.utils.tensorflow.model_data import RasaModelData
from patches.model_loading import load_models_without_tracing_the_training_step

storage, metadata = LocalModelStorage.from_model_archive(Path(tempfile.mkdtemp()), get_latest_model("models"))
node = next(n for n in metadata.predict_schema.nodes.values() if n.uses is DIETClassifier)
context = ExecutionContext(metadata.predict_schema, metadata.model_id)

def load():
    config = {**DIETClassifier.get_default_config(), **node.config}  # as Rasa's graph gives it
    classifier = DIETClassifier.load(config, storage, node.resource, context)
    model = classifier.model
    # The messages Rasa itself predicts on at load: the training example's text features.
    with storage.read_from(node.resource) as path:
        data_example = DIETClassifier._load_from_files(path)[3]
    text = {name: features for name, features in data_example.items() if TEXT in name}
    outputs = model.run_inference(RasaModelData(label_key=LABEL_KEY, data=text))
    return model, outputs

rasa_model, rasa_outputs = load()
load_models_without_tracing_the_training_step()
patched_model, patched_outputs = load()
weights = [(a.shape == b.shape and bool(np.array_equal(a, b)))
           for a, b in zip(rasa_model.get_weights(), patched_model.get_weights())]
print(json.dumps({
    "weights": len(rasa_model.get_weights()),
    "patched_weights": len(patched_model.get_weights()),
    "equal_weights": sum(weights),
    "same_scores": bool(np.array_equal(rasa_outputs["i_scores"], patched_outputs["i_scores"])),
    "patched_runs_eagerly": bool(patched_model.run_eagerly),
}))
"""


@pytest.mark.timeout(300)
def test_the_patched_load_gives_the_same_weights_and_scores_as_rasas():
    if not list((REPO_ROOT / "models").glob("*.tar.gz")):
        pytest.skip("no trained model: run `make train` first")
    result = subprocess.run(
        [sys.executable, "-c", LOAD_BOTH_WAYS],
        cwd=REPO_ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["weights"] > 0
    assert loaded["patched_weights"] == loaded["weights"] == loaded["equal_weights"]
    assert loaded["same_scores"]
    # Messages still go through the traced prediction function, not eager execution.
    assert not loaded["patched_runs_eagerly"]
