"""The web chat against WCAG 2.1 AA / RGAA 4.1, in headless Chromium: axe-core's
A and AA rules, a keyboard-only conversation read through the live region, and
reflow at 320 px wide and at 200 % zoom (screenshots in results/browser/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assistant import answers
from tests.browser import (
    REPLY_TIMEOUT_MS,
    answer_text,
    axe_violations,
    choice,
    open_chat,
    screenshot,
    visible_text,
    wait_for_greeting,
)

# What the focused element is, and whether its focus can be seen (an outline at least 2 px wide).
FOCUSED = """(() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    id: element.id,
    tag: element.tagName.toLowerCase(),
    text: element.textContent,
    outlineVisible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
})()"""
# Every element of the page that reaches past the left or right edge of the
# window, or whose text is cut inside its box (a text field scrolls its own
# text by design: only its box is checked).
CUT_OR_OUTSIDE = """(() => Array.from(document.body.querySelectorAll('*'))
  .filter(element => element.getClientRects().length && !element.closest('.visually-hidden'))
  .filter(element => {
    const box = element.getBoundingClientRect();
    const outside = box.left < -0.5 || box.right > window.innerWidth + 0.5;
    const clips = getComputedStyle(element).overflowX !== 'visible';
    const cut = clips && element.tagName !== 'INPUT' && element.scrollWidth > element.clientWidth + 1;
    return outside || cut;
  })
  .map(element => element.outerHTML.slice(0, 120)))()"""


def show_procedure_choices(page: Page, domain) -> None:
    """The greeting's first button lists the procedures as choices (no NLU involved)."""
    choice(page, domain["responses"]["utter_greet"][0]["buttons"][0]["title"]).click()


def test_axe_finds_no_wcag_a_or_aa_violation_on_opening_and_with_choices(
    browser, assistant, knowledge, domain
):
    context, page = open_chat(browser, assistant.page_url, domain, with_axe=True)
    assert axe_violations(page) == []

    show_procedure_choices(page, domain)
    for button in answers.list_procedures(knowledge).buttons:
        expect(choice(page, button["title"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert axe_violations(page) == []
    context.close()


def test_a_keyboard_only_conversation_is_read_through_the_live_region(browser, assistant, knowledge, domain):
    context, page = open_chat(browser, assistant.page_url, domain)
    live_region = page.locator("[role=log][aria-live=polite]")
    expect(live_region).to_have_count(1)

    # Tab from the top of the page to the question field.
    page.locator("body").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["id"] == "chat-input":
            break
    else:
        pytest.fail("the question field cannot be reached with the Tab key")
    assert page.evaluate(FOCUSED)["outlineVisible"], "no visible focus on the field"
    page.keyboard.type("combien de temps ça dure ?")
    page.keyboard.press("Enter")
    procedures = knowledge.procedures
    last_choice = choice(page, answers.procedure_button(procedures[-1])["title"])
    expect(last_choice).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    # The answer arrived; the focus stayed in the field.
    assert page.evaluate(FOCUSED)["id"] == "chat-input"

    # Shift-Tab goes back from the field to the last choice, then the one before.
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate(FOCUSED)
    assert (focused["tag"], focused["text"]) == ("button", answers.procedure_button(procedures[-1])["title"])
    assert focused["outlineVisible"], "no visible focus on the choice"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["text"] == answers.procedure_button(procedures[-2])["title"]

    # Space chooses it; the answer reaches the live region; the focus stays on the choice.
    page.keyboard.press("Space")
    expect(live_region).to_contain_text(
        visible_text(answer_text(knowledge, procedures[-2].id, "duration")), timeout=REPLY_TIMEOUT_MS
    )
    assert page.evaluate(FOCUSED)["text"] == answers.procedure_button(procedures[-2])["title"]

    # Tab to the next choice, Enter chooses it.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == answers.procedure_button(procedures[-1])["title"]
    page.keyboard.press("Enter")
    expect(live_region).to_contain_text(
        visible_text(answer_text(knowledge, procedures[-1].id, "duration")), timeout=REPLY_TIMEOUT_MS
    )
    context.close()


@pytest.mark.parametrize(
    "screen, screenshot_name",
    [
        # A phone held upright, at the narrowest width WCAG's reflow criterion names.
        ({"viewport": {"width": 320, "height": 640}}, "web-chat-320px.png"),
        # A 1280 x 800 window zoomed to 200 %: the page lays out in 640 x 400 CSS pixels,
        # each drawn twice as big.
        ({"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}, "web-chat-zoom-200.png"),
    ],
)
def test_nothing_is_cut_or_scrolled_sideways(browser, assistant, knowledge, domain, screen, screenshot_name):
    context = browser.new_context(locale="fr-FR", **screen)
    page = context.new_page()
    page.goto(assistant.page_url)
    wait_for_greeting(page, domain)
    show_procedure_choices(page, domain)
    for button in answers.list_procedures(knowledge).buttons:
        expect(choice(page, button["title"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    page.locator("#chat-input").fill("Une question assez longue pour remplir le champ et davantage encore")

    screenshot(page, screenshot_name)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    assert page.evaluate(CUT_OR_OUTSIDE) == []
    context.close()
