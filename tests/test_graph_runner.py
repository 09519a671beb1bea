"""patches/graph_runner.py runs a graph as Rasa's dask runner does: same outputs, same nodes."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from patches.graph_runner import OrderedGraphRunner

pytestmark = pytest.mark.unit

CALLS: List[str] = []


class Step(GraphComponent):
    """Appends its name to what it reads, so an output shows which nodes made it and in which order."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage, resource, execution_context) -> Step:
        return cls(config["name"])

    def run(self, **parents: List[str]) -> List[str]:
        CALLS.append(self.name)
        if self.name == "broken":
            raise ValueError("this node fails")
        return [word for name in sorted(parents) for word in parents[name]] + [self.name]


def node(name: str, **needs: str) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, fn="run", constructor_name="create", config={"name": name})


# A diamond with a branch off to the side: "message" -> tokens -> (features, entities) -> intent;
# "unused" hangs from tokens and is needed by no target below.
SCHEMA = GraphSchema(
    {
        "tokens": node("tokens", a="__message__"),
        "features": node("features", a="tokens"),
        "entities": node("entities", a="tokens"),
        "intent": node("intent", a="features", b="entities"),
        "unused": node("unused", a="tokens"),
        "broken": node("broken", a="tokens"),
    }
)


def runner(runner_class, tmp_path):
    storage = LocalModelStorage(tmp_path)
    return runner_class(SCHEMA, storage, ExecutionContext(SCHEMA, "model-id"))


@pytest.mark.parametrize("targets", [["intent"], ["entities"], ["intent", "features"]])
def test_outputs_and_nodes_run_are_dasks(tmp_path, targets):
    runs = {}
    for runner_class in (DaskGraphRunner, OrderedGraphRunner):
        CALLS.clear()
        graph = runner(runner_class, tmp_path / runner_class.__name__)
        outputs = graph.run(inputs={"__message__": ["message"]}, targets=targets)
        runs[runner_class] = (outputs, sorted(CALLS))
    assert runs[OrderedGraphRunner] == runs[DaskGraphRunner]
    outputs, called = runs[OrderedGraphRunner]
    assert set(outputs) == set(targets)
    assert "unused" not in called and "broken" not in called


def test_each_node_runs_after_the_nodes_it_reads(tmp_path):
    graph = runner(OrderedGraphRunner, tmp_path)
    for _ in range(2):  # the second run uses the cached order
        CALLS.clear()
        outputs = graph.run(inputs={"__message__": ["message"]}, targets=["intent"])
        assert outputs["intent"] == [
            "message",
            "tokens",
            "features",
            "message",
            "tokens",
            "entities",
            "intent",
        ]
        assert CALLS.index("tokens") < CALLS.index("features") < CALLS.index("intent")
        assert CALLS.index("entities") < CALLS.index("intent")
        assert len(CALLS) == 4


def test_a_failing_node_raises_as_under_dask(tmp_path):
    for runner_class in (DaskGraphRunner, OrderedGraphRunner):
        graph = runner(runner_class, tmp_path / runner_class.__name__)
        with pytest.raises(GraphComponentException, match="broken"):
            graph.run(inputs={"__message__": ["message"]}, targets=["broken"])


def test_an_input_named_like_a_node_is_refused(tmp_path):
    graph = runner(OrderedGraphRunner, tmp_path)
    with pytest.raises(GraphRunError, match="clashes"):
        graph.run(inputs={"__message__": "tokens"}, targets=["intent"])
