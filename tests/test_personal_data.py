"""Personal details masked before the tracker store and the logs (channels/personal_data.py),
the reminder sent once, and the NLU still working on the masked text; SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import List

import psycopg2
import pytest

from assistant import answers
from channels.personal_data import mask_personal_data, reminder
from harness.servers import REPO_ROOT, RunningAssistant
from harness.socket_chat import SocketChat
from tests.postgres import PostgresServer


@pytest.mark.parametrize(
    "text, expected",
    [
        ("je m'appelle Jeanne Martin, née le 12/03/1961", "je m'appelle [nom], née le [date]"),
        ("je m'appelle jeanne martin et j'ai peur", "je m'appelle [nom] et j'ai peur"),
        ("Mon nom est Paul Durand. Tél 06 12 34 56 78", "Mon nom est [nom]. Tél [téléphone]"),
        ("au +33 6 12 34 56 78 ou jean.dupont@mail.fr", "au [téléphone] ou [e-mail]"),
        ("0612345678", "[téléphone]"),
        ("je suis Mme Dupont, dossier n° 2023-45678", "je suis Mme [nom], dossier n° [numéro de dossier]"),
        ("né le 3 mars 1950", "né le [date]"),
        ("sécu 1 85 05 78 006 084 36", "sécu [numéro de sécurité sociale]"),
        ("IPP 123456789", "IPP [numéro de dossier]"),
        ("je suis M. Jean-Pierre Léger", "je suis M. [nom]"),
        ("moi c'est Ali, combien dure un drainage ?", "moi c'est [nom], combien dure un drainage ?"),
        ("je m'appelle Marie de Villiers, ma biopsie", "je m'appelle [nom], ma biopsie"),
    ],
)
def test_personal_details_are_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "À quoi sert une biopsie ?",
        "je suis inquiet pour ma biopsie du 12 mars",
        "ça dure 45 minutes ? 2 heures ?",
        "Combien de temps dure une thermo-ablation du foie ?",
        "je suis enceinte, est-ce un problème pour l'angiographie ?",
        "j'ai 40 de fièvre depuis mon drainage",
        "Ma voisine a eu une biopsie, mais moi c'est une embolisation portale. Pourquoi ?",
        "pour mon père c'est la biopsie, moi c'est l'infiltration",
        "moi c'est pas la biopsie",
    ],
)
def test_questions_without_personal_details_are_left_alone(text):
    assert mask_personal_data(text) == text


DETAILS = ["Jeanne", "Martinez", "12/03/1961", "06 12 34 56 78", "0612345678", "jeanne.m@mail.fr",
           "2023-45678", "1 61 03 75 112 004 21"]
CONVERSATION = [
    "je m'appelle Jeanne Martinez, née le 12/03/1961, à quoi sert une biopsie ?",
    "et ça dure combien ? vous pouvez me rappeler au 06 12 34 56 78 ou jeanne.m@mail.fr",
    "mon dossier n° 2023-45678, sécu 1 61 03 75 112 004 21",
]


def texts(replies) -> List[str]:
    return [reply.get("text", "") for reply in replies]


def talk(assistant: RunningAssistant, sender: str, knowledge) -> None:
    """The conversation: answers as usual, and the reminder exactly once."""
    biopsy = knowledge.procedure("biopsie")
    first = texts(assistant.say(CONVERSATION[0], sender))
    assert answers.answer_aspect(knowledge, biopsy, "purpose").text in first, "NLU works on the masked text"
    assert first[-1] == reminder()
    second = texts(assistant.say(CONVERSATION[1], sender))
    assert second[-1] == answers.answer_aspect(knowledge, biopsy, "duration").text
    assert reminder() not in second, "the reminder is sent once"
    assert reminder() not in texts(assistant.say(CONVERSATION[2], sender))


def assert_clean(stored: List[str]) -> None:
    assert stored, "the conversation was stored"
    joined = "\n".join(json.dumps(json.loads(data), ensure_ascii=False) for data in stored)
    assert "[nom]" in joined and "[téléphone]" in joined
    for detail in DETAILS:
        assert detail not in joined, detail


def test_sqlite_store_holds_none_of_the_details(assistant, sender, knowledge):
    talk(assistant, sender, knowledge)
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert_clean([data for (data,) in rows])
    time.sleep(1)
    log = assistant.log_text()
    for detail in DETAILS:
        assert detail not in log, detail


def test_socketio_masks_and_reminds_once_too(assistant, knowledge):
    chat = SocketChat(assistant.url)
    try:
        first = texts(chat.say(CONVERSATION[0]))
        assert first[-1] == reminder()
        assert reminder() not in texts(chat.say(CONVERSATION[1]))
    finally:
        chat.close()
    with sqlite3.connect(assistant.tracker_db) as connection:
        query = "SELECT data FROM events WHERE sender_id = ?"
        rows = connection.execute(query, (chat.session_id,)).fetchall()
    assert_clean([data for (data,) in rows])


def test_postgresql_store_holds_none_of_the_details(tmp_path, knowledge):
    with PostgresServer.start(db="rasa", user="rasa") as postgres:
        # The project's endpoints with the tracker store on PostgreSQL.
        endpoints = tmp_path / "endpoints.yml"
        action_endpoint = (REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8").split("tracker_store:")[0]
        endpoints.write_text(
            action_endpoint
            + "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
            + f"  url: {postgres.host}\n  port: {postgres.port}\n  db: {postgres.db}\n"
            + f"  username: {postgres.user}\n  password: {json.dumps(postgres.password)}\n",
            encoding="utf-8",
        )
        running = RunningAssistant(tmp_path, ENDPOINTS=str(endpoints))
        running.start()
        sender = f"pg-{uuid.uuid4().hex[:8]}"
        try:
            talk(running, sender, knowledge)
        finally:
            running.stop()
        connection = psycopg2.connect(
            host=postgres.host,
            port=postgres.port,
            dbname=postgres.db,
            user=postgres.user,
            password=postgres.password,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT data FROM events WHERE sender_id = %s", (sender,))
                stored = [data for (data,) in cursor.fetchall()]
        finally:
            connection.close()
    assert_clean(stored)


SLASHED = "/je m appelle Marie Curie, mon téléphone 06 12 34 56 78, à quoi sert une biopsie ?"
SLASHED_DETAILS = ["Marie", "Curie", "06 12 34 56 78"]


def stored_events(assistant: RunningAssistant, sender: str) -> List[str]:
    with sqlite3.connect(assistant.tracker_db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    return [data for (data,) in rows]


def assert_slashed_message_masked(assistant: RunningAssistant, sender: str, replies) -> None:
    """Whatever its first character, the message is masked (text and parse_data) and the patient reminded."""
    assert texts(replies)[-1] == reminder()
    stored = stored_events(assistant, sender)
    user_events = [json.loads(data) for data in stored if json.loads(data)["event"] == "user"]
    assert user_events, "the message was stored"
    assert "[téléphone]" in user_events[-1]["text"] and "[nom]" in user_events[-1]["text"]
    assert "[téléphone]" in user_events[-1]["parse_data"]["text"]
    joined = "\n".join(stored)
    for detail in SLASHED_DETAILS:
        assert detail not in joined, detail
    time.sleep(1)
    log = assistant.log_text()
    for detail in SLASHED_DETAILS:
        assert detail not in log, detail


def test_a_message_starting_with_a_slash_is_masked_too(assistant, sender, knowledge):
    replies = assistant.say(SLASHED, sender)
    assert answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text in texts(replies)
    assert_slashed_message_masked(assistant, sender, replies)


def test_a_message_starting_with_a_slash_is_masked_on_socketio_too(assistant):
    chat = SocketChat(assistant.url)
    try:
        replies = chat.say(SLASHED)
    finally:
        chat.close()
    assert_slashed_message_masked(assistant, chat.session_id, replies)
