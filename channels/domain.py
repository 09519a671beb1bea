"""domain.yml, read once when first needed (never at import): its intents and fixed responses.

The channels check payloads against its intents and send its reminder; the review sheet, the
evaluation and the benchmark read its responses.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import yaml

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    """domain.yml; empty when it is missing or unreadable (the action server's image has none)."""
    try:
        loaded = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def intents() -> FrozenSet[str]:
    """The domain's intent names (an intent may be written with its properties, as a mapping)."""
    return frozenset(
        name if isinstance(name, str) else next(iter(name)) for name in domain().get("intents") or []
    )


def responses() -> List[Tuple[str, Dict[str, Any]]]:
    """Every response variant, with its response's name, in the file's order."""
    return [
        (name, variant)
        for name, variants in (domain().get("responses") or {}).items()
        for variant in variants
    ]


def response_text(name: str) -> Optional[str]:
    """The text of a response's first variant, if the domain has it."""
    texts = [variant.get("text") for response, variant in responses() if response == name]
    return texts[0].strip() if texts and isinstance(texts[0], str) else None
