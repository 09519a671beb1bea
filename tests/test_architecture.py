"""The packages import downward only (docs/architecture.md): a module uses its own package and
those of lower layers, never one beside or above it."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest

from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit

# Top to bottom, as docs/architecture.md draws them.
LAYERS = [
    {"tests"},
    {"scripts", "bench"},
    {"web", "reports", "harness", "deploy", "patches"},
    {"actions", "channels"},
    {"assistant", "components", "stores"},
    {"knowledge"},
    {"settings"},
]
LAYER_OF: Dict[str, int] = {package: -depth for depth, packages in enumerate(LAYERS) for package in packages}


def project_modules() -> Iterator[Path]:
    """The project's Python files, committed or new (not those git ignores: .venv, models…)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in sorted(listed.stdout.split()):
        if (REPO_ROOT / name).is_file():
            yield Path(name)


def package_of(relative: Path) -> str:
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def project_imports(relative: Path) -> Iterator[Tuple[int, str]]:
    """(line, package) of every import of a project package, inside functions too."""
    tree = ast.parse((REPO_ROOT / relative).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in LAYER_OF:
                yield node.lineno, name.split(".")[0]


def test_every_package_of_the_project_has_its_layer():
    packages = {package_of(relative) for relative in project_modules()}
    assert packages == set(LAYER_OF), "give each new package its layer here and in docs/architecture.md"


def test_imports_go_downward_only():
    upward = [
        f"{relative}:{line} imports {imported}"
        for relative in project_modules()
        for line, imported in project_imports(relative)
        if imported != package_of(relative) and LAYER_OF[imported] >= LAYER_OF[package_of(relative)]
    ]
    assert not upward, "\n".join(upward)


def test_the_layers_drawn_in_the_documentation_are_these():
    drawing = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = drawing.split("```")[1]
    drawn = [
        {name.strip(" ,/").removesuffix(".py").split("/")[0] for name in line.split("  ")[0].split(",")}
        for line in block.strip().splitlines()
    ]
    assert drawn == LAYERS
