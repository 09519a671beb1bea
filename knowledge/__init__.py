"""The procedure knowledge: schema, loading, validation and lookup."""

from knowledge.loader import (
    KnowledgeError,
    KnowledgeIndex,
    KnowledgeStore,
    load_knowledge,
    normalize,
)
from knowledge.schema import (
    ASPECTS,
    EXTRA_FACTS,
    GENERAL_ANSWER_OF_KIND,
    GENERAL_FACT_OF_KIND,
    QUESTION_KINDS,
    Fact,
    KnowledgeBase,
    Procedure,
)

__all__ = [
    "ASPECTS",
    "EXTRA_FACTS",
    "Fact",
    "GENERAL_ANSWER_OF_KIND",
    "GENERAL_FACT_OF_KIND",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeIndex",
    "KnowledgeStore",
    "Procedure",
    "QUESTION_KINDS",
    "load_knowledge",
    "normalize",
]
