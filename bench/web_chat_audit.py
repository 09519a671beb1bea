"""Measures a web chat page the way issue 14 compares widgets: axe-core
violations (WCAG 2.0/2.1 A and AA rules) on opening and after an exchange
with choice buttons on screen, the JavaScript the page downloads, and whether
the conversation is shown again after a reload.

Works with any widget that has a text field sending on Enter (it was used on
rasa-webchat 1.0.1 and on the project's own widget):

    .venv/bin/python bench/web_chat_audit.py http://localhost:8000

axe-core comes from web/node_modules (npm ci); nothing is fetched elsewhere.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from actions import answers  # noqa: E402
from actions.knowledge import load_knowledge  # noqa: E402

AXE_SCRIPT = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DISCLAIMER_WORDS = "ne remplace pas une consultation médicale"
TEXT_FIELD = "input[type=text], textarea"
TIMEOUT_MS = 30_000


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
        for v in result["violations"]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page_url")
    args = parser.parse_args()
    knowledge = load_knowledge(REPO_ROOT / "knowledge" / "procedures.yml")
    first_button = answers.procedure_button(knowledge.procedures[0])["title"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
        )
        # bypass_csp: axe is injected by this script, not served by the page.
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        script_bytes = {}

        def count_script(response) -> None:
            if response.request.resource_type == "script":
                script_bytes[response.url] = len(response.body())

        page.on("response", count_script)
        page.goto(args.page_url)
        expect(page.locator("body")).to_contain_text(DISCLAIMER_WORDS, timeout=TIMEOUT_MS)
        page.wait_for_timeout(2000)
        on_opening = axe_violations(page)

        page.locator(TEXT_FIELD).first.fill("combien de temps ça dure ?")
        page.keyboard.press("Enter")
        expect(page.get_by_text(first_button).first).to_be_visible(timeout=TIMEOUT_MS)
        page.wait_for_timeout(1000)
        with_buttons = axe_violations(page)

        page.reload()
        page.wait_for_timeout(3000)
        kept = page.get_by_text(first_button).count() > 0 and DISCLAIMER_WORDS in page.inner_text("body")
        print(
            json.dumps(
                {
                    "page": args.page_url,
                    "javascript_bytes": script_bytes,
                    "violations_on_opening": on_opening,
                    "violations_with_buttons": with_buttons,
                    "conversation_shown_after_reload": kept,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        browser.close()


if __name__ == "__main__":
    main()
