"""The web chat when the assistant's servers stop and start again, and embedded
in an iframe on a host site of another origin with a strict CSP. Both use
their own servers (scripts/run.sh on free ports): one test stops them."""

from __future__ import annotations

import os
import signal
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest
from playwright.sync_api import expect

from assistant import answers
from harness.servers import RunningAssistant, free_port
from tests.browser import (
    PHONE,
    REPLY_TIMEOUT_MS,
    answer_text,
    ask,
    axe_violations,
    chat_log,
    notice,
    open_chat,
    screenshot,
    visible_text,
    wait_for_greeting,
)

# The host site's own script, standing for its analytics or tag manager: it
# tries to read the conversation and its id from the page and from the chat.
HOST_SCRIPT = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.policyViolations.push(event.violatedDirective + " " + event.blockedURI);
});
window.snoop = function () {
  var found = {
    hostSessionStorage: Object.keys(sessionStorage),
    hostLocalStorage: Object.keys(localStorage),
    cookies: document.cookie,
    hostText: document.body.innerText,
  };
  var chat = document.getElementById("assistant").contentWindow;
  try {
    found.chatSessionStorage = Object.keys(chat.sessionStorage);
  } catch (error) {
    found.chatSessionStorage = error.name;
  }
  try {
    found.chatText = chat.document.body.innerText;
  } catch (error) {
    found.chatText = error.name;
  }
  return found;
};
"""

HOST_STYLES = ".assistant-chat { width: 100%; max-width: 46rem; height: 44rem; border: 0; }\n"


def host_page(chat_url: str) -> str:
    # The embed snippet of docs/web-chat.md, as the clinic's site would have it.
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Clinique (page hôte de test)</title>
<link rel="stylesheet" href="/host.css"><script src="/host.js"></script></head>
<body><h1>La clinique</h1>
<iframe class="assistant-chat" id="assistant" src="{chat_url}/"
        title="Assistant d'information sur la radiologie interventionnelle"></iframe>
</body></html>"""


class HostSite:
    """The clinic's site on another origin than the chat (another port), with a strict CSP."""

    def __init__(self, hostname: str, port: int, chat_url: str):
        files = {
            "/": (host_page(chat_url), "text/html; charset=utf-8"),
            "/host.js": (HOST_SCRIPT, "text/javascript; charset=utf-8"),
            "/host.css": (HOST_STYLES, "text/css; charset=utf-8"),
        }
        # Strict: nothing inline, nothing from elsewhere but the chat's iframe.
        policy = (
            f"default-src 'none'; script-src 'self'; style-src 'self'; frame-src {chat_url}; base-uri 'none'"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path not in files:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                body, content_type = files[self.path]
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(body.encode("utf-8"))

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://{hostname}:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# The chat is on localhost. "localhost:<other port>" is another origin of the
# same site, like www.clinique.example and assistant.clinique.example; 127.0.0.1
# is another site, where browsers may refuse the iframe any storage.
SAME_SITE, OTHER_SITE = "localhost", "127.0.0.1"
HOST_NAMES = [SAME_SITE, OTHER_SITE]


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def own_assistant(tmp_path_factory, host_port):
    """Servers of these tests only, allowing the host site to show the chat in an iframe."""
    running = RunningAssistant(
        tmp_path_factory.mktemp("web-outage"),
        FRAME_ANCESTORS=" ".join(f"http://{hostname}:{host_port}" for hostname in HOST_NAMES),
    )
    running.start()
    yield running
    running.stop()


@pytest.mark.parametrize("host_name", HOST_NAMES)
def test_embedded_in_an_iframe_the_chat_works_and_the_host_page_cannot_read_it(
    browser, own_assistant, host_port, host_name, knowledge, domain
):
    host = HostSite(host_name, host_port, own_assistant.page_url)
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="fr-FR")
    page = context.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        page.goto(host.url)
        chat = page.frame_locator("#assistant")
        wait_for_greeting(chat, domain)
        ask(chat, "A quoi sert une biopsie ?")
        biopsy_purpose = visible_text(answer_text(knowledge, "biopsie", "purpose"))
        expect(chat_log(chat)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)

        # The host page's script cannot reach the chat's storage or text, and holds nothing itself.
        found = page.evaluate("snoop()")
        assert found["chatSessionStorage"] == "SecurityError"
        assert found["chatText"] == "SecurityError"
        assert found["hostSessionStorage"] == [] and found["hostLocalStorage"] == []
        assert found["cookies"] == ""
        assert "biopsie" not in found["hostText"].lower()
        # Both pages' Content-Security-Policies let through everything the chat needs.
        assert page.evaluate("window.policyViolations") == []
        assert not console_errors, console_errors

        if host_name == SAME_SITE:
            # The recommended set-up (docs/web-chat.md): the conversation is in the chat's own
            # sessionStorage and is shown again when the patient reloads the clinic's page.
            chat_frame = next(frame for frame in page.frames if frame.url.startswith(own_assistant.page_url))
            assert chat_frame.evaluate("Object.keys(sessionStorage)") == ["assistant-chat"]
            page.reload()
            expect(chat_log(page.frame_locator("#assistant"))).to_contain_text(
                biopsy_purpose, timeout=REPLY_TIMEOUT_MS
            )
            screenshot(page, "web-chat-in-iframe.png")
    finally:
        context.close()
        host.close()


def test_the_patient_is_told_when_the_assistant_stops_and_the_chat_recovers(
    browser, own_assistant, knowledge, domain
):
    context, page = open_chat(browser, own_assistant.page_url, domain, with_axe=True)
    ask(page, "A quoi sert une biopsie ?")
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, "biopsie", "purpose")), timeout=REPLY_TIMEOUT_MS
    )
    expect(notice(page)).to_have_text("")

    own_assistant.stop()
    # A status message (read by screen readers without moving the focus), with who to ask instead.
    expect(notice(page)).to_have_attribute("role", "status")
    expect(notice(page)).to_contain_text("momentanément indisponible", timeout=REPLY_TIMEOUT_MS)
    expect(notice(page)).to_contain_text(answers.team_pointer(knowledge))
    expect(notice(page)).to_be_visible()
    # The notice is readable too (contrast, among axe's WCAG A and AA rules).
    assert axe_violations(page) == []

    # Same ports, same tracker store: the chat reconnects by itself to the same conversation.
    own_assistant.start()
    expect(notice(page)).to_contain_text("de nouveau disponible", timeout=REPLY_TIMEOUT_MS)
    ask(page, "et ça dure combien ?")
    expect(chat_log(page)).to_contain_text(
        visible_text(answer_text(knowledge, "biopsie", "duration")), timeout=REPLY_TIMEOUT_MS
    )
    expect(notice(page)).to_have_text("")
    context.close()


def test_the_patient_is_told_when_the_assistant_stops_answering(browser, own_assistant, knowledge, domain):
    """The connection stays open but nothing comes back (a Rasa server that hangs)."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    # The page's clocks run normally, and the test can move them 20 seconds on at once.
    page.clock.install()
    page.goto(own_assistant.page_url)
    wait_for_greeting(page, domain)
    biopsy_purpose = visible_text(answer_text(knowledge, "biopsie", "purpose"))
    rasa_server = own_assistant.rasa_pid()
    os.kill(rasa_server, signal.SIGSTOP)
    try:
        ask(page, "A quoi sert une biopsie ?")
        page.clock.fast_forward("00:21")
        expect(notice(page)).to_contain_text("ne répond pas", timeout=REPLY_TIMEOUT_MS)
        expect(notice(page)).to_contain_text(answers.team_pointer(knowledge))
        # Really hanging: stopped, and no answer came.
        assert psutil.Process(rasa_server).status() == psutil.STATUS_STOPPED
        assert biopsy_purpose not in visible_text(chat_log(page).inner_text())
    finally:
        os.kill(rasa_server, signal.SIGCONT)
    # The answer arrives late: the notice goes.
    expect(chat_log(page)).to_contain_text(biopsy_purpose, timeout=REPLY_TIMEOUT_MS)
    expect(notice(page)).to_have_text("")
    context.close()
