"""The connector snippets of docs/channels.md load the way `rasa run --credentials` loads them.

Each snippet follows a `<!-- channel-config: NAME -->` line. A test writes it to a file,
sets fake values for the environment variables it references and builds the input
channel with `rasa.core.run.create_http_input_channels`, the code path of `rasa run`
(Rasa's YAML reader substitutes `${VAR}` there). No network: these connectors'
constructors do not call their platform (Telegram registers its webhook later, when the
server builds the channel's routes), and every test runs with connections refused.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.slack import SlackInput
from rasa.core.channels.telegram import TelegramInput
from rasa.core.channels.twilio import TwilioInput
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit

CHANNELS_DOC = REPO_ROOT / "docs" / "channels.md"

# Marker → (class, credentials key, {channel attribute: environment variable it must hold}).
EXPECTED = {
    "telegram": (
        TelegramInput,
        "telegram",
        {
            "access_token": "TELEGRAM_ACCESS_TOKEN",
            "verify": "TELEGRAM_BOT_USERNAME",
            "webhook_url": "TELEGRAM_WEBHOOK_URL",
        },
    ),
    "facebook": (
        FacebookInput,
        "facebook",
        {
            "fb_verify": "FACEBOOK_VERIFY_TOKEN",
            "fb_secret": "FACEBOOK_APP_SECRET",
            "fb_access_token": "FACEBOOK_PAGE_ACCESS_TOKEN",
        },
    ),
    "slack": (
        SlackInput,
        "slack",
        {"slack_token": "SLACK_BOT_TOKEN", "slack_signing_secret": "SLACK_SIGNING_SECRET"},
    ),
    "twilio": (
        TwilioInput,
        "twilio",
        {
            "account_sid": "TWILIO_ACCOUNT_SID",
            "auth_token": "TWILIO_AUTH_TOKEN",
            "twilio_number": "TWILIO_SMS_NUMBER",
        },
    ),
    "twilio-whatsapp": (
        TwilioInput,
        "twilio",
        {
            "account_sid": "TWILIO_ACCOUNT_SID",
            "auth_token": "TWILIO_AUTH_TOKEN",
            "twilio_number": "TWILIO_WHATSAPP_NUMBER",
        },
    ),
}

MARKER = re.compile(r"<!--\s*channel-config:\s*([\w-]+)\s*-->")
SNIPPET = re.compile(
    r"<!--\s*channel-config:\s*([\w-]+)\s*-->[ \t]*\n(?:[ \t]*\n)*```ya?ml\n(.*?)^```", re.M | re.S
)
ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
# The whole value is one unquoted reference: Rasa leaves quoted values alone, and keeps
# `prefix${UNSET}` literally instead of refusing to start.
WHOLE_REFERENCE = re.compile(r"\$\{[A-Z][A-Z0-9_]*\}")
SECRET_KEY = re.compile(r"token|secret|password|passwd|sid|verify|key", re.I)


def documented_snippets() -> Dict[str, str]:
    doc = CHANNELS_DOC.read_text(encoding="utf-8")
    return dict(SNIPPET.findall(doc))


def fake_value(variable: str) -> str:
    if variable == "TWILIO_WHATSAPP_NUMBER":
        return "whatsapp:+15005550006"
    if variable == "TWILIO_SMS_NUMBER":
        return "+15005550006"
    if variable.endswith("_URL"):
        return "https://assistant.example.org/webhooks/telegram/webhook"
    return f"fake-{variable.lower().replace('_', '-')}-123"


def referenced_variables(snippet: str) -> List[str]:
    return ENV_REFERENCE.findall(snippet)


def load_channels(snippet: str, tmp_path: Path) -> List[Any]:
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(snippet, encoding="utf-8")
    return create_http_input_channels(channel=None, credentials_file=str(credentials))


def key_values(data: Any, path: str = "") -> Iterator[Tuple[str, str, Any]]:
    """(path, key, value) of every mapping entry, nested ones included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path, str(key), value
            yield from key_values(value, f"{path}/{key}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from key_values(item, f"{path}[{index}]")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to reach a platform fails the test instead of leaving the machine."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture
def unset_environment(monkeypatch):
    for variable in {var for _, _, attributes in EXPECTED.values() for var in attributes.values()}:
        monkeypatch.delenv(variable, raising=False)


def test_the_network_guard_refuses_connections():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("api.telegram.org", 443), timeout=1)


def test_every_connector_has_exactly_one_snippet():
    markers = MARKER.findall(CHANNELS_DOC.read_text(encoding="utf-8"))
    assert sorted(markers) == sorted(EXPECTED), "one marker per connector, no unknown marker"
    assert sorted(documented_snippets()) == sorted(markers), "every marker is followed by a ```yaml block"


@pytest.mark.parametrize("marker", sorted(EXPECTED))
def test_snippet_builds_the_channel_with_the_values_from_the_environment(
    marker, monkeypatch, tmp_path, unset_environment
):
    snippet = documented_snippets()[marker]
    channel_class, channel_key, attributes = EXPECTED[marker]
    assert sorted(set(referenced_variables(snippet))) == sorted(set(attributes.values())), (
        "the snippet references exactly the variables its channel uses"
    )
    for variable in attributes.values():
        monkeypatch.setenv(variable, fake_value(variable))

    channels = load_channels(snippet, tmp_path)

    assert len(channels) == 1
    (channel,) = channels
    assert type(channel) is channel_class
    assert channel.name() == channel_key
    for attribute, variable in attributes.items():
        assert getattr(channel, attribute) == fake_value(variable), f"{attribute} from ${{{variable}}}"


@pytest.mark.parametrize("marker", sorted(EXPECTED))
def test_snippet_refuses_to_load_when_its_variables_are_unset(marker, tmp_path, unset_environment):
    with pytest.raises(RasaException, match="environment variables"):
        load_channels(documented_snippets()[marker], tmp_path)


@pytest.mark.parametrize("marker", sorted(EXPECTED))
def test_snippet_holds_no_literal_secret(marker):
    snippet = documented_snippets()[marker]
    data = yaml.safe_load(snippet)
    assert isinstance(data, dict) and list(data) == [EXPECTED[marker][1]]

    secrets = [(path, key, value) for path, key, value in key_values(data) if SECRET_KEY.search(key)]
    assert secrets, "the snippet has credentials"
    for path, key, value in secrets:
        assert isinstance(value, str) and WHOLE_REFERENCE.fullmatch(value), (
            f"{path}/{key} must be a ${{VAR}} reference, not {value!r}"
        )
    # Raw text: quoting or a prefix would stop Rasa from substituting, or from noticing an unset variable.
    for line in snippet.splitlines():
        if "${" in line:
            value = line.split(":", 1)[1].split(" #", 1)[0].strip()
            assert WHOLE_REFERENCE.fullmatch(value), f"not a whole, unquoted ${{VAR}} value: {line.strip()!r}"


@pytest.mark.parametrize("marker", sorted(EXPECTED))
def test_the_webhook_url_of_each_connector_is_documented(marker):
    channel_key = EXPECTED[marker][1]
    assert f"https://<public host>/webhooks/{channel_key}/webhook" in CHANNELS_DOC.read_text(encoding="utf-8")


def test_the_project_credentials_load_the_rest_and_socketio_channels():
    channels = create_http_input_channels(channel=None, credentials_file=str(REPO_ROOT / "credentials.yml"))
    assert sorted(channel.name() for channel in channels) == ["rest", "socketio"]
