"""The web chat's feedback buttons under an answer, in headless Chromium against the real servers:
accessible (axe-core, keyboard), kept in the conversation (the `feedback` slot in the tracker store)."""

from __future__ import annotations

import json
import sqlite3

from playwright.sync_api import expect

from assistant import answers
from tests.browser import (
    REPLY_TIMEOUT_MS,
    answer_text,
    ask,
    axe_violations,
    chat_log,
    open_chat,
    visible_text,
)

HELPFUL = "Oui, cela m'aide"
NOT_HELPFUL = "Non, cela ne répond pas à ma question"


def feedback_slots(assistant, session_id: str) -> list:
    """The `feedback` slot events of this conversation, as the Rasa server stored them."""
    with sqlite3.connect(assistant.tracker_db) as database:
        rows = database.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (session_id,)
        ).fetchall()
    events = [json.loads(data) for (data,) in rows]
    return [event["value"] for event in events if event["name"] == "feedback"]


def test_feedback_buttons_under_an_answer_work_with_the_keyboard_and_are_stored(
    browser, assistant, knowledge, domain
):
    context, page = open_chat(browser, assistant.page_url, domain, with_axe=True)
    # No feedback under the greeting: only under answers about a procedure.
    expect(page.locator(".feedback")).to_have_count(0)

    ask(page, "Combien de temps dure une néphrostomie ?")
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, "nephrostomie", "duration")), timeout=REPLY_TIMEOUT_MS
    )
    group = page.get_by_role("group", name="Cette réponse vous aide-t-elle ?")
    expect(group).to_have_count(1)
    for name in (HELPFUL, NOT_HELPFUL):
        expect(group.get_by_role("button", name=name, exact=True)).to_be_visible()
    assert axe_violations(page) == []

    # Keyboard only: Tab from the question field reaches the buttons, Enter presses one.
    page.locator("#chat-input").focus()
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == NOT_HELPFUL
    page.keyboard.press("Enter")

    expect(chat_log(page)).to_contain_text(NOT_HELPFUL)
    expect(chat_log(page)).to_contain_text(
        visible_text(answers.feedback_reply(knowledge, "not_helpful").text), timeout=REPLY_TIMEOUT_MS
    )
    # Given once: the buttons are gone, and stay gone after a reload.
    expect(page.locator(".feedback")).to_have_count(0)
    page.reload()
    expect(chat_log(page)).to_contain_text(NOT_HELPFUL, timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".feedback")).to_have_count(0)

    session_id = page.evaluate("JSON.parse(sessionStorage.getItem('assistant-chat')).sessionId")
    assert feedback_slots(assistant, session_id) == ["not_helpful"]
    context.close()
