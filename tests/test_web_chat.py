"""The web chat page in a real browser (headless Debian Chromium driven by Playwright),
against the servers started by scripts/run.sh."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from actions import answers
from tests.conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = REPO_ROOT / "results" / "browser"
PHONE = {"width": 390, "height": 844}
# Without the background-networking flags Chromium calls Google's services at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPLY_TIMEOUT_MS = 30_000
DISCLAIMER_WORDS = "ne remplace pas une consultation médicale"
# The text of the focused element if it is a quick reply, else null.
FOCUSED_QUICK_REPLY = "(e => e.classList.contains('rw-reply') ? e.textContent : null)(document.activeElement)"


@pytest.fixture(scope="module")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's 'chromium' package (make setup does as root).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, assistant):
    """A new tab on a phone-sized screen, recording every URL the page requests."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    tab = context.new_page()
    tab.requested_urls = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))
    tab.on("dialog", lambda dialog: pytest.fail(f"the page opened a dialog: {dialog.message}"))
    tab.goto(assistant.page_url)
    yield tab
    context.close()


def messages(page: Page):
    return page.locator("#rw-messages")


def wait_for_greeting(page: Page, domain) -> None:
    expect(messages(page)).to_contain_text(DISCLAIMER_WORDS, timeout=REPLY_TIMEOUT_MS)
    # Then its last message: the widget shows messages one after the other, so
    # a question typed before it arrives would appear above it.
    greeting_end = domain["responses"]["utter_greet"][0]["text"]
    expect(messages(page)).to_contain_text(greeting_end, timeout=REPLY_TIMEOUT_MS)


def ask(page: Page, question: str) -> None:
    page.locator(".rw-new-message").fill(question)
    page.keyboard.press("Enter")


def answer_text(knowledge, procedure_id: str, aspect: str) -> str:
    return answers.answer_aspect(knowledge, knowledge.procedure(procedure_id), aspect).text


def visible_text(text: str) -> str:
    # The widget shows each line of a message; Playwright compares whitespace-normalised text.
    return " ".join(text.split())


def test_a_patient_asks_clicks_a_button_and_keeps_the_conversation_after_a_reload(
    page: Page, assistant, knowledge, domain
):
    wait_for_greeting(page, domain)

    ask(page, "est-ce qu'on va m'endormir ?")
    nephrostomy_button = answers.procedure_button(knowledge.procedure("nephrostomie"))
    button = page.locator(".rw-reply", has_text=nephrostomy_button["title"])
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    button.click()
    nephrostomy_anaesthesia = visible_text(answer_text(knowledge, "nephrostomie", "anaesthesia"))
    expect(messages(page)).to_contain_text(nephrostomy_anaesthesia, timeout=REPLY_TIMEOUT_MS)

    ask(page, "A quoi sert une biopsie ?")
    biopsy_purpose = visible_text(answer_text(knowledge, "biopsie", "purpose"))
    expect(messages(page)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)

    page.reload()
    expect(messages(page)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)
    expect(messages(page)).to_contain_text(nephrostomy_anaesthesia)
    # The greeting is not sent again: it is the same conversation.
    expect(page.locator(".rw-response", has_text=DISCLAIMER_WORDS)).to_have_count(1)
    # ...and the server kept its context: "ça" is the biopsy.
    ask(page, "et ça dure combien ?")
    expect(messages(page)).to_contain_text(
        visible_text(answer_text(knowledge, "biopsie", "duration")), timeout=REPLY_TIMEOUT_MS
    )

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "web-chat-phone.png"), full_page=True)

    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # No request leaves the clinic's own servers: the page and the assistant.
    allowed = {urlsplit(assistant.page_url).netloc, f"localhost:{assistant.rasa_port}"}
    outside = [url for url in page.requested_urls if urlsplit(url).netloc not in allowed]
    assert not outside, outside
    assert any("/socket.io/" in url for url in page.requested_urls)


def test_quick_replies_are_usable_with_the_keyboard(page: Page, knowledge, domain):
    wait_for_greeting(page, domain)
    ask(page, "combien de temps ça dure ?")
    procedures_by_title = {answers.procedure_button(p)["title"]: p for p in knowledge.procedures}
    first_title = next(iter(procedures_by_title))
    expect(page.locator(".rw-reply", has_text=first_title)).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    # Tab from the top of the page to a procedure button, then Enter.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_QUICK_REPLY)
        if focused in procedures_by_title:
            break
    else:
        pytest.fail("no procedure button can be reached with the Tab key")
    page.keyboard.press("Enter")
    procedure = procedures_by_title[focused]
    expect(messages(page)).to_contain_text(
        visible_text(answer_text(knowledge, procedure.id, "duration")), timeout=REPLY_TIMEOUT_MS
    )


def test_markup_typed_by_a_patient_is_shown_as_text(page: Page, domain):
    wait_for_greeting(page, domain)
    typed = '<img src=x onerror="window.injected=true"><b>gras</b><script>window.injected=true</script>'
    ask(page, typed)
    expect(page.locator(".rw-client").last).to_have_text(typed, timeout=REPLY_TIMEOUT_MS)
    greeting_count = page.locator(".rw-response").count()
    expect(page.locator(".rw-response").nth(greeting_count)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert page.locator("#rw-messages img, #rw-messages b, #rw-messages script").count() == 0
    assert page.evaluate("window.injected") is None
