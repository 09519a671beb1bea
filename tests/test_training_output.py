"""`make train`'s console (scripts/train.py): one line per component trained, with its time,
and Rasa's progress bars only while a component trains."""

from __future__ import annotations

import importlib.util
import logging
import os

import pytest

from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit


def load_train_script():
    spec = importlib.util.spec_from_file_location("train_script", REPO_ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hook_record(message: str) -> logging.LogRecord:
    return logging.LogRecord("rasa.engine.training.hooks", logging.INFO, __file__, 1, message, None, None)


def test_a_component_trained_gives_one_line_with_its_name_and_time(capsys, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    lines = load_train_script().StepLines()
    lines.emit(hook_record("Starting to train component 'DIETClassifier'."))
    assert capsys.readouterr().out == ""
    # Rasa creates DIET's epochs bar from this, while the component trains.
    assert os.environ["LOG_LEVEL"] == "INFO"
    lines.emit(hook_record("Finished training component 'DIETClassifier'."))
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("Entraînement : DIETClassifier, fait en ")
    assert out[0].endswith(" s.")
    assert os.environ["LOG_LEVEL"] == "WARNING"


def test_other_hook_records_print_nothing(capsys, monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    load_train_script().StepLines().emit(hook_record("Caching 'Resource' with fingerprint_key: 'abc'."))
    assert capsys.readouterr().out == ""
    assert os.environ["LOG_LEVEL"] == "WARNING"


def test_only_a_component_trained_for_epochs_draws_a_progress_bar(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    lines = load_train_script().StepLines()
    lines.emit(hook_record("Starting to train component 'RulePolicy'."))
    assert os.environ["LOG_LEVEL"] == "WARNING"


def test_a_model_appears_in_its_folder_only_once_written_whole(tmp_path):
    published_whole = load_train_script().published_whole
    out = tmp_path / "models"
    with published_whole(out) as staging:
        (staging / "20260101-000000-model.tar.gz").write_bytes(b"half")
        assert list(out.glob("*.tar.gz")) == [], "rasa run would load a model still being written"
        (staging / "20260101-000000-model.tar.gz").write_bytes(b"half and the rest")
    assert [path.name for path in out.glob("*.tar.gz")] == ["20260101-000000-model.tar.gz"]
    assert (out / "20260101-000000-model.tar.gz").read_bytes() == b"half and the rest"
    assert list(out.iterdir()) == [out / "20260101-000000-model.tar.gz"], "the staging folder is left behind"
