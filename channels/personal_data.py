"""Personal details masked out of a patient's message before the assistant sees it.

The disclaimer asks patients not to type personal details; some will ("je
m'appelle …, né le …, dossier n° …, 06 …"). The channels replace what can be
recognised by a short French placeholder before the message reaches the
tracker store, the logs or the NLU, which still reads the rest of the sentence:

    "je m'appelle Jeanne Martin, née le 12/03/1961, à quoi sert une biopsie ?"
    -> "je m'appelle [nom], née le [date], à quoi sert une biopsie ?"

Recognised: e-mail addresses, phone numbers (French, with or without +33, and
any other long run of digits), dates with a year (digits or "12 mars 1961"),
social security numbers (NIR), file / patient numbers after "dossier", "IPP",
"NIP", "n°", and a name introduced by "je m'appelle" (or "je m appelle"), "mon nom est", "je me
nomme", "je suis M./Mme/Madame/Monsieur …". This is best effort: a name
written without such an introduction is not recognised, which is why the
assistant also reminds the patient, once per conversation, not to write them
(`reminder()`, the `utter_personal_data_reminder` response of domain.yml).
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from rasa.shared.core.events import UserUttered

from channels.domain import response_text

PLACEHOLDERS = {
    "email": "[e-mail]",
    "nir": "[numéro de sécurité sociale]",
    "phone": "[téléphone]",
    "date": "[date]",
    "file": "[numéro de dossier]",
    "number": "[numéro]",
    "name": "[nom]",
}

_MONTHS = "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
_WORD = r"[^\W\d_][\w'’\-]*"
_CIVILITY = r"(?:m\.|mr\.?|mme\.?|mlle\.?|madame|monsieur|mademoiselle|docteur|dr\.?)"
# Words that end a name introduced by "je m'appelle" (the sentence goes on).
_NOT_NAME = {
    "et", "je", "j", "j'ai", "j’ai", "mais", "car", "donc", "qui", "que", "pour", "à", "a", "ai", "est",
    "suis", "mon", "ma", "mes", "ça", "ca", "c'est", "né", "née", "nee", "ne", "dossier", "avec", "sur",
    "dans", "par", "ou", "où", "comment", "quand", "combien", "quoi", "pourquoi", "on", "il", "elle",
    "vous", "nous", "doit", "dois", "vais", "va", "aurai", "aura", "ai-je", "peux", "veux", "voudrais",
    "pas", "plutôt", "plutot",
}
# A name never begins with a lower-case article: "moi c'est une néphrostomie", "moi c'est la biopsie"
# ("Marie Le Goff" keeps its capital "Le").
_ARTICLE = re.compile(r"(?:un|une|le|la|les|des|du|de)(?![^\W\d_])|[ld]['’]")

# Order matters: the most specific patterns first, so a NIR is not taken for a phone number.
_PATTERNS: List[Tuple[str, re.Pattern]] = [
    ("email", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.I)),
    (
        "nir",
        re.compile(
            r"(?<!\d)[12][\s.]?\d{2}[\s.]?\d{2}[\s.]?(?:\d{2}|2A|2B)[\s.]?\d{3}[\s.]?\d{3}(?:[\s.]?\d{2})?(?!\d)",
            re.I,
        ),
    ),
    ("phone", re.compile(r"(?<![\w+])(?:\+|00)33[\s.\-]?\(?0?\)?[\s.\-]?[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")),
    ("phone", re.compile(r"(?<!\d)0[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")),
    ("date", re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:\d{4}|\d{2})(?!\d)")),
    ("date", re.compile(rf"(?<!\d)(?:1er|\d{{1,2}})\s+(?:{_MONTHS})\s+\d{{4}}(?!\d)", re.I)),
    (
        "file",
        re.compile(
            r"\b(?P<label>(?:num[ée]ro\s+de\s+)?dossier|IPP|NIP|n°\s*(?:de\s+)?dossier|n°|nº|no\.)"
            r"(?P<sep>\s*(?:n°|nº|no\.?|num[ée]ro)?\s*[:#]?\s*)(?P<value>[A-Z]{0,4}[\-/]?\d[\dA-Z\-/]{2,})",
            re.I,
        ),
    ),
    ("number", re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){5,}(?!\d)")),
]
_NAME_INTRO = re.compile(
    rf"\b(?P<intro>je\s+m(?:['’]\s*|\s+)appelle|mon\s+nom\s+(?:est|c['’]est)|je\s+me\s+nomme|moi\s+c['’]est|"
    rf"je\s+suis\s+{_CIVILITY}|nom\s*:)\s+",
    re.I,
)


def _mask_names(text: str) -> str:
    out, position = [], 0
    for intro in _NAME_INTRO.finditer(text):
        if intro.start() < position:
            continue
        out.append(text[position : intro.end()])
        cursor, words = intro.end(), 0
        # Up to four words (a civility and a first and last name), stopping at punctuation
        # or at a word that carries the sentence on.
        while words < 4:
            match = re.compile(rf"\s*(?:{_CIVILITY}\s*)?({_WORD})").match(text, cursor)
            if not match or match.group(1).lower() in _NOT_NAME:
                break
            if not words and _ARTICLE.match(match.group(1)):
                break  # inside a name, "de" and "le" may be particles: "Marie de Villiers"
            if words and match.group(0)[:1] not in (" ", "\t"):
                break
            cursor, words = match.end(), words + 1
        if words:
            out.append(PLACEHOLDERS["name"])
        position = cursor
    out.append(text[position:])
    return "".join(out)


def mask_personal_data(text: str) -> str:
    """`text` with the personal details it recognises replaced by placeholders."""
    for kind, pattern in _PATTERNS:
        if kind == "file":
            text = pattern.sub(lambda m: m.group("label") + m.group("sep") + PLACEHOLDERS["file"], text)
        else:
            text = pattern.sub(PLACEHOLDERS[kind], text)
    return _mask_names(text)


def holds_placeholder(text: str) -> bool:
    return any(placeholder in text for placeholder in PLACEHOLDERS.values())


REMINDER_RESPONSE = "utter_personal_data_reminder"
DEFAULT_REMINDER = (
    "Pour protéger vos données, j'ai effacé de votre message ce qui ressemblait à des "
    "informations personnelles (nom, téléphone, e-mail, date, numéro de dossier ou de "
    "sécurité sociale). Merci de ne pas en écrire ici : pour votre dossier, adressez-vous "
    "directement à la clinique."
)


def reminder() -> str:
    """The reminder as domain.yml words it (one place for the wording), else the default; read
    when first sent (not when the module is imported)."""
    return response_text(REMINDER_RESPONSE) or DEFAULT_REMINDER


async def reminded_before(agent: Optional[Any], sender_id: str) -> bool:
    """Whether this conversation (its current session) already had a message masked,
    and so the reminder: the stored, masked texts are the only state needed."""
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return False
    tracker = await tracker_store.retrieve(sender_id)
    if tracker is None:
        return False
    return any(
        isinstance(event, UserUttered) and holds_placeholder(event.text or "") for event in tracker.events
    )
