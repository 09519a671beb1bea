"""What the browser tests share: Debian's Chromium driven by Playwright, the
chat page's parts, and axe-core from web/node_modules."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List, Tuple

from playwright.sync_api import BrowserContext, FrameLocator, Locator, Page, expect

from assistant import answers
from harness.servers import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
SCREENSHOT_DIR = REPO_ROOT / "results" / "browser"
PHONE = {"width": 390, "height": 844}
REPLY_TIMEOUT_MS = 30_000
DISCLAIMER_WORDS = "ne remplace pas une consultation médicale"
# Installed by `npm ci` (web/package.json), injected by the tests, never served by the page.
AXE_SCRIPT = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is missing: install Debian's 'chromium' package (make test does).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# The chat page itself, or the chat in its iframe on a host page: both have locator().
Chat = Page | FrameLocator


def chat_log(chat: Chat) -> Locator:
    """The live region every message is added to."""
    return chat.locator("#chat-log")


def notice(chat: Chat) -> Locator:
    return chat.locator("#chat-notice")


def assistant_messages(chat: Chat) -> Locator:
    return chat.locator(".message-assistant")


def choice(chat: Chat, title: str) -> Locator:
    return chat.locator("#chat-log").get_by_role("button", name=title, exact=True).last


def wait_for_greeting(chat: Chat, domain: Dict[str, Any]) -> None:
    expect(chat_log(chat)).to_contain_text(DISCLAIMER_WORDS, timeout=REPLY_TIMEOUT_MS)
    greeting = domain["responses"]["utter_greet"][0]
    expect(chat_log(chat)).to_contain_text(greeting["text"], timeout=REPLY_TIMEOUT_MS)
    expect(choice(chat, greeting["buttons"][0]["title"])).to_be_visible()


def open_chat(
    browser, url: str, domain: Dict[str, Any], with_axe: bool = False
) -> Tuple[BrowserContext, Page]:
    """The chat page in a new phone-sized French tab, once the assistant has greeted."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    if with_axe:
        add_axe(context)
    page = context.new_page()
    page.goto(url)
    wait_for_greeting(page, domain)
    return context, page


def ask(chat: Chat, question: str) -> None:
    chat.locator("#chat-input").fill(question)
    chat.locator("#chat-input").press("Enter")


def answer_text(knowledge, procedure_id: str, aspect: str) -> str:
    """The answer as the message's text shows it: its source line is shown apart, below it."""
    reply = answers.answer_aspect(knowledge, knowledge.procedure(procedure_id), aspect)
    return reply.text.removesuffix("\n" + answers.source_line(reply.sources))


def visible_text(text: str) -> str:
    # Each line of a message is shown; Playwright compares whitespace-normalised text.
    return " ".join(text.split())


def add_axe(context: BrowserContext) -> None:
    """axe-core in every page of this context, before the page's own scripts:
    injected by the browser, so the page's CSP (script-src 'self') still applies to the page."""
    context.add_init_script(path=str(AXE_SCRIPT))


def axe_violations(page: Page) -> List[Dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now (see add_axe)."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_A_AA_TAGS
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
    ]


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    page.screenshot(path=str(path), full_page=True)
    return path
