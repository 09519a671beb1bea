"""Rasa's prediction graphs run node after node in an order worked out once (`patches.apply_all()`).

Rasa 3.6 runs the NLU pipeline and the policies through `dask.get` on every message: each run
rebuilds the dask graph, orders its tasks again (`dask.order`) and keeps dask's bookkeeping for
each of the sixteen nodes, although the graph never changes and dask runs it in this one thread
anyway: about 1 ms of a first message's 16 (cProfile of 200 parses). `OrderedGraphRunner` sorts the
nodes a set of targets needs once, then calls them in that order with the same inputs, so every
component gets what it got from dask (tests/test_graph_runner.py). Training keeps Rasa's runner.
"""

from __future__ import annotations

import graphlib
from typing import Any, Dict, List, Optional, Tuple

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

# One node to run: its name, the node, and the names of the nodes or inputs it reads, in order.
Step = Tuple[str, GraphNode, Tuple[str, ...]]


class OrderedGraphRunner(DaskGraphRunner):
    """DaskGraphRunner whose `run` calls the needed nodes in a cached topological order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._steps_by_targets: Dict[Tuple[str, ...], List[Step]] = {}

    def _steps_for(self, targets: Tuple[str, ...]) -> List[Step]:
        steps_by_targets = self._steps_by_targets
        if targets not in steps_by_targets:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
            order = graphlib.TopologicalSorter(needs).static_order()
            # Names that are not nodes (the message or tracker placeholders) come as inputs.
            steps_by_targets[targets] = [
                (name, self._instantiated_nodes[name], needs[name]) for name in order if name in needs
            ]
        return steps_by_targets[targets]

    def run(
        self, inputs: Optional[Dict[str, Any]] = None, targets: Optional[List[str]] = None
    ) -> Dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        steps = self._steps_for(run_targets)
        # Each node returns (its name, its output) and reads its parents' pairs, as under dask;
        # an input is given as such a pair too.
        outputs: Dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                    f"names passed to the `run` method are the same as node names in the graph schema."
                )
            outputs[name] = (name, value)
        try:
            for name, node, parents in steps:
                # A parent nobody provided reaches the node as its bare name, as dask passes it.
                outputs[name] = node(*(outputs.get(parent, parent) for parent in parents))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(outputs[target] for target in run_targets)


def run_prediction_graphs_in_a_fixed_order() -> None:
    # The message processor builds its graph runner from this module-level name.
    rasa.core.processor.DaskGraphRunner = OrderedGraphRunner
