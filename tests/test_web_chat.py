"""The web chat page in a real browser (headless Debian Chromium driven by Playwright),
against the servers started by scripts/run.sh."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from assistant import answers
from tests.browser import (
    DISCLAIMER_WORDS,
    PHONE,
    REPLY_TIMEOUT_MS,
    answer_text,
    ask,
    assistant_messages,
    chat_log,
    choice,
    notice,
    screenshot,
    visible_text,
    wait_for_greeting,
)

# The text of the focused element if it is a choice button, else null.
FOCUSED_CHOICE = "(e => e.classList.contains('choice') ? e.textContent : null)(document.activeElement)"


@pytest.fixture
def page(browser, assistant):
    """A new tab on a phone-sized screen, recording every URL the page requests
    and every console error (a Content-Security-Policy refusal is one)."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    tab = context.new_page()
    tab.requested_urls = []
    tab.console_errors = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    tab.on("dialog", lambda dialog: pytest.fail(f"the page opened a dialog: {dialog.message}"))
    tab.goto(assistant.page_url)
    yield tab
    context.close()


def test_a_patient_asks_clicks_a_button_and_keeps_the_conversation_after_a_reload(
    page: Page, assistant, knowledge, domain
):
    wait_for_greeting(page, domain)

    ask(page, "est-ce qu'on va m'endormir ?")
    nephrostomy_button = answers.procedure_button(knowledge.procedure("nephrostomie"))
    button = choice(page, nephrostomy_button["title"])
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    button.click()
    nephrostomy_anaesthesia = visible_text(answer_text(knowledge, "nephrostomie", "anaesthesia"))
    expect(chat_log(page)).to_contain_text(nephrostomy_anaesthesia, timeout=REPLY_TIMEOUT_MS)

    ask(page, "A quoi sert une biopsie ?")
    biopsy_purpose = visible_text(answer_text(knowledge, "biopsie", "purpose"))
    expect(chat_log(page)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)

    page.reload()
    expect(chat_log(page)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)
    expect(chat_log(page)).to_contain_text(nephrostomy_anaesthesia)
    # The greeting is not sent again: it is the same conversation.
    expect(assistant_messages(page).filter(has_text=DISCLAIMER_WORDS)).to_have_count(1)
    # ...and the server kept its context: "ça" is the biopsy.
    ask(page, "et ça dure combien ?")
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, "biopsie", "duration")), timeout=REPLY_TIMEOUT_MS
    )
    # Kept in the tab's sessionStorage only, never in localStorage.
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("sessionStorage.length") == 1

    screenshot(page, "web-chat-phone.png")

    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # No request leaves the clinic's own servers: the page and the assistant.
    allowed = {urlsplit(assistant.page_url).netloc, f"localhost:{assistant.rasa_port}"}
    outside = [url for url in page.requested_urls if urlsplit(url).netloc not in allowed]
    assert not outside, outside
    assert any("/socket.io/" in url for url in page.requested_urls)
    # The page's own Content-Security-Policy refused nothing it needs.
    assert not page.console_errors, page.console_errors


def test_choice_buttons_are_usable_with_the_keyboard(page: Page, knowledge, domain):
    wait_for_greeting(page, domain)
    ask(page, "combien de temps ça dure ?")
    procedures_by_title = {answers.procedure_button(p)["title"]: p for p in knowledge.procedures}
    first_title = next(iter(procedures_by_title))
    expect(choice(page, first_title)).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    # Tab from the top of the page to a procedure button, then Enter.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_CHOICE)
        if focused in procedures_by_title:
            break
    else:
        pytest.fail("no procedure button can be reached with the Tab key")
    page.keyboard.press("Enter")
    procedure = procedures_by_title[focused]
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, procedure.id, "duration")), timeout=REPLY_TIMEOUT_MS
    )


def test_markup_typed_by_a_patient_is_shown_as_text(page: Page, domain):
    wait_for_greeting(page, domain)
    greeting_count = assistant_messages(page).count()
    typed = '<img src=x onerror="window.injected=true"><b>gras</b><script>window.injected=true</script>'
    ask(page, typed)
    expect(page.locator(".message-patient .message-text").last).to_have_text(typed, timeout=REPLY_TIMEOUT_MS)
    expect(assistant_messages(page).nth(greeting_count)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert page.locator("#chat-log img, #chat-log b, #chat-log script").count() == 0
    assert page.evaluate("window.injected") is None


def test_the_chat_resumes_its_conversation_after_a_network_drop(page: Page, assistant, knowledge, domain):
    """The network goes (a train's tunnel), the patient writes meanwhile, the network comes back:
    the page reconnects with its session id, takes its session over from the dropped connection,
    and sends what was written, in the same conversation."""
    wait_for_greeting(page, domain)
    ask(page, "A quoi sert une biopsie ?")
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, "biopsie", "purpose")), timeout=REPLY_TIMEOUT_MS
    )
    session_id = page.evaluate("JSON.parse(sessionStorage.getItem('assistant-chat')).sessionId")

    page.context.set_offline(True)
    expect(notice(page)).to_contain_text("momentanément indisponible", timeout=REPLY_TIMEOUT_MS)
    ask(page, "et ça dure combien ?")
    page.context.set_offline(False)

    duration = visible_text(answer_text(knowledge, "biopsie", "duration"))
    expect(chat_log(page)).to_contain_text(duration, timeout=REPLY_TIMEOUT_MS)
    expect(assistant_messages(page).filter(has_text=duration)).to_have_count(1)
    expect(assistant_messages(page).filter(has_text=DISCLAIMER_WORDS)).to_have_count(1)
    expect(notice(page)).to_have_text("")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('assistant-chat')).sessionId") == session_id
    assert not page.console_errors or all("ERR_INTERNET_DISCONNECTED" in e for e in page.console_errors)


def test_messages_sent_while_a_turn_runs_wait_for_it_instead_of_being_refused(page: Page, knowledge, domain):
    """The server answers one turn at a time per connection: the page sends the next message once
    the previous one is acknowledged, so a patient who clicks and types quickly loses nothing."""
    wait_for_greeting(page, domain)
    ask(page, "A quoi sert une biopsie ?")
    ask(page, "et ça dure combien ?")
    ask(page, "est-ce qu'on m'endort ?")
    for aspect in ("purpose", "duration", "anaesthesia"):
        expect(chat_log(page)).to_contain_text(
            visible_text(answer_text(knowledge, "biopsie", aspect)), timeout=REPLY_TIMEOUT_MS
        )
    expect(chat_log(page)).not_to_contain_text("Un instant")


def test_an_answer_shows_its_source_apart_in_smaller_type(page: Page, knowledge, domain):
    wait_for_greeting(page, domain)
    ask(page, "combien de temps dure une infiltration ?")
    fact = knowledge.procedure("infiltration").facts.duration
    source = page.locator(".message-assistant .message-source").last
    expect(source).to_have_text(answers.source_line([fact.source]), timeout=REPLY_TIMEOUT_MS)
    text = page.locator(".message-assistant .message-text").last
    expect(text).to_contain_text(fact.answer)
    expect(text).not_to_contain_text("Source")
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert source.evaluate(size) < text.evaluate(size)


def test_a_patient_closing_the_tab_prints_no_error(browser, assistant, domain):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    tab = context.new_page()
    tab.goto(assistant.page_url)
    wait_for_greeting(tab, domain)
    before = len(assistant.log_text())
    tab.close()
    context.close()
    # The server sees the websocket close; give it time to log whatever it logs.
    time.sleep(3)
    after = assistant.log_text()[before:]
    assert "Traceback" not in after and "Exception occurred" not in after, after[-3000:]
