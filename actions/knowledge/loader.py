"""Loading and validating the knowledge file, and finding things in it."""

from __future__ import annotations

import difflib
import logging
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml
from pydantic import ValidationError

from actions.knowledge.schema import KnowledgeBase, Procedure

logger = logging.getLogger(__name__)

DEFAULT_KNOWLEDGE_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "procedures.yml"
KNOWLEDGE_FILE_ENV = "KNOWLEDGE_FILE"

# Pydantic's messages are English; staff editing the file read French.
_ERROR_MESSAGES = {
    "value_error.extra": "champ inconnu (faute de frappe ?)",
    "value_error.missing": "champ obligatoire manquant",
    "type_error.none.not_allowed": "ne peut pas être vide",
    "type_error.str": "doit être un texte",
    "type_error.list": "doit être une liste",
    "type_error.dict": "doit être une liste de champs « nom: valeur »",
    "value_error.any_str.min_length": "ne peut pas être vide",
}


class KnowledgeError(Exception):
    """The knowledge file cannot be used; the message names file, entry and field."""

    def __init__(self, path: Path, entry: str, field: str, problem: str):
        self.path, self.entry, self.field, self.problem = path, entry, field, problem
        super().__init__(f"{path} : entrée {entry}, champ « {field} » : {problem}")


def knowledge_file_path() -> Path:
    return Path(os.environ.get(KNOWLEDGE_FILE_ENV) or DEFAULT_KNOWLEDGE_FILE)


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used to compare words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", without_accents))


def load_knowledge(path: Optional[Path] = None) -> KnowledgeBase:
    """Read and validate the knowledge file, or raise KnowledgeError."""
    path = Path(path or knowledge_file_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeError(path, "(fichier)", "(fichier)", f"lecture impossible : {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}" if mark else "(fichier)"
        problem = str(error).replace("\n", " ")
        raise KnowledgeError(path, where, "(syntaxe YAML)", problem) from None
    if not isinstance(raw, dict):
        raise KnowledgeError(path, "(fichier)", "(racine)", "le fichier doit contenir des champs")

    try:
        knowledge = KnowledgeBase.parse_obj(raw)
    except ValidationError as error:
        first = error.errors()[0]
        entry, field = _describe_location(raw, first["loc"])
        problem = _ERROR_MESSAGES.get(first["type"], first["msg"])
        raise KnowledgeError(path, entry, field, problem) from None

    _check_consistency(path, knowledge)
    return knowledge


def _describe_location(raw: Dict[str, Any], loc: Tuple[Any, ...]) -> Tuple[str, str]:
    """Turn a pydantic error location into (entry, field) a person can find."""
    loc = tuple(part for part in loc if part != "__root__")
    if loc[0] == "procedures" and len(loc) > 1 and isinstance(loc[1], int):
        index = loc[1]
        procedures = raw.get("procedures") or []
        item = procedures[index] if index < len(procedures) else {}
        procedure_id = item.get("id") if isinstance(item, dict) else None
        label = f"« {procedure_id} »" if procedure_id else "sans identifiant"
        entry = f"procédure {label} (n°{index + 1} de la liste)"
        field = ".".join(str(part) for part in loc[2:]) or "(entrée entière)"
        return entry, field
    if loc[0] in ("general", "organs") and len(loc) > 2:
        return f"{loc[0]}.{loc[1]}", ".".join(str(part) for part in loc[2:])
    if len(loc) > 1:
        return str(loc[0]), ".".join(str(part) for part in loc[1:])
    return "(racine)", str(loc[0])


def _check_consistency(path: Path, knowledge: KnowledgeBase) -> None:
    """Checks that span several entries, which the schema alone cannot express."""
    owner_of_word: Dict[str, str] = {}
    for organ_id, organ in knowledge.organs.items():
        for word in organ.patient_words:
            owner_of_word[normalize(word)] = f"organe « {organ_id} »"

    seen_ids = set()
    for index, procedure in enumerate(knowledge.procedures):
        entry = f"procédure « {procedure.id} » (n°{index + 1} de la liste)"
        if procedure.id in seen_ids:
            raise KnowledgeError(path, entry, "id", "cet identifiant est déjà utilisé")
        seen_ids.add(procedure.id)
        for word in procedure.patient_words:
            key = normalize(word)
            if not key:
                raise KnowledgeError(path, entry, "patient_words", f"mot vide : « {word} »")
            owner = owner_of_word.get(key)
            if owner and owner != f"procédure « {procedure.id} »":
                raise KnowledgeError(
                    path,
                    entry,
                    "patient_words",
                    f"« {word} » désigne déjà {owner} : un mot ne peut mener qu'à un seul endroit",
                )
            owner_of_word[key] = f"procédure « {procedure.id} »"
        for aspect, fact in procedure.facts:
            for organ_id in fact.by_organ:
                if organ_id not in knowledge.organs:
                    raise KnowledgeError(
                        path,
                        entry,
                        f"facts.{aspect}.by_organ.{organ_id}",
                        "organe inconnu : déclarez-le d'abord dans « organs »",
                    )


@dataclass(frozen=True)
class _Term:
    normalized: str
    target_id: str


class KnowledgeIndex:
    """Finds a procedure or an organ from what a patient wrote."""

    def __init__(self, knowledge: KnowledgeBase):
        self.knowledge = knowledge
        self._procedure_terms = _terms((p.id, [p.id, p.name, *p.patient_words]) for p in knowledge.procedures)
        self._organ_terms = _terms(
            (organ_id, [organ_id, *o.patient_words]) for organ_id, o in knowledge.organs.items()
        )

    def find_procedure(self, value: Optional[str]) -> Optional[Procedure]:
        procedure_id = _match(value, self._procedure_terms)
        return self.knowledge.procedure(procedure_id) if procedure_id else None

    def find_procedure_in_text(self, text: Optional[str]) -> Optional[Procedure]:
        procedure_id = _search(text, self._procedure_terms)
        return self.knowledge.procedure(procedure_id) if procedure_id else None

    def find_organ(self, value: Optional[str]) -> Optional[str]:
        return _match(value, self._organ_terms)

    def find_organ_in_text(self, text: Optional[str]) -> Optional[str]:
        return _search(text, self._organ_terms)


def _terms(entries: Iterable[Tuple[str, List[str]]]) -> List[_Term]:
    terms = [_Term(normalize(word), target_id) for target_id, words in entries for word in words]
    # Longest first, so "embolisation portale" wins over "embolisation".
    return sorted(terms, key=lambda term: len(term.normalized), reverse=True)


def _match(value: Optional[str], terms: List[_Term]) -> Optional[str]:
    """An entity value (possibly misspelt) to the id it stands for."""
    wanted = normalize(value or "")
    if not wanted:
        return None
    for term in terms:
        if term.normalized == wanted:
            return term.target_id
    found = _search(wanted, terms)
    if found:
        return found
    close = difflib.get_close_matches(wanted, [t.normalized for t in terms], n=1, cutoff=0.8)
    if close:
        return next(t.target_id for t in terms if t.normalized == close[0])
    return None


def _search(text: Optional[str], terms: List[_Term]) -> Optional[str]:
    """The longest known term that appears as whole words in a message."""
    padded = f" {normalize(text or '')} "
    for term in terms:
        if f" {term.normalized} " in padded:
            return term.target_id
    return None


class KnowledgeStore:
    """The knowledge the action server answers from, reloaded when the file changes.

    A broken file at start-up raises KnowledgeError. A file broken while the
    server runs is reported in the log and the last valid version keeps serving.
    """

    def __init__(self, path: Optional[Path] = None):
        self.path = Path(path or knowledge_file_path())
        self._lock = threading.Lock()
        self._mtime = self._current_mtime()
        self._index = KnowledgeIndex(load_knowledge(self.path))

    def _current_mtime(self) -> Optional[float]:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    @property
    def index(self) -> KnowledgeIndex:
        mtime = self._current_mtime()
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._reload(mtime)
        return self._index

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.index.knowledge

    def _reload(self, mtime: Optional[float]) -> None:
        self._mtime = mtime
        try:
            self._index = KnowledgeIndex(load_knowledge(self.path))
            logger.info("Knowledge file reloaded: %s", self.path)
        except KnowledgeError as error:
            logger.error("Knowledge file not reloaded, keeping the last valid version: %s", error)
