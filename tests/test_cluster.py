"""The production profile for real: PostgreSQL, Redis lock store, two Rasa servers,
nginx in front, all started by deploy/local-cluster.sh."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import certifi
import psutil
import psycopg2
import pytest
import redis
import requests
from rasa.utils.endpoints import EndpointConfig

from assistant import answers
from channels.never_silent import BUSY_CONVERSATION_REPLY
from harness.servers import RunningCluster, every_command_line, listening_addresses, process_tree
from harness.socket_chat import SocketChat
from stores.redis_lock_store import AtomicRedisLockStore

CONVERSATIONS = 50
# The first test also starts PostgreSQL, Redis, three servers and nginx (up to 400 s).
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def cluster():
    # Not pytest's tmp_path: its folders are private to root, and PostgreSQL runs as 'postgres'.
    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    workdir.chmod(0o711)
    # LOCK_WAIT_SECONDS: shorter than the default 20 s, so the busy-conversation test does not wait
    # long; longer than TICKET_LOCK_LIFETIME (10 s), so a message retried after its server was
    # killed waits for the dead server's ticket to expire instead of giving up.
    running = RunningCluster(workdir / "state", LOCK_WAIT_SECONDS="12")
    running.start()
    yield running
    running.stop()
    assert not (running.state_dir / "pgdata" / "postmaster.pid").exists(), "PostgreSQL left running"
    shutil.rmtree(workdir)


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def turns_in_store(cluster: RunningCluster, sender: str):
    """(user text, bot texts) of each turn, as stored in PostgreSQL."""
    turns = []
    for event in cluster.events(sender):
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event["text"])
    return turns


def purpose_answer(knowledge, procedure_id: str) -> str:
    return answers.answer_aspect(knowledge, knowledge.procedure(procedure_id), "purpose").text


def conversation(cluster: RunningCluster, knowledge, index: int, urls) -> tuple:
    """Four turns; turn n goes to urls[n % len(urls)]. Returns (sender, bot messages received)."""
    sender = f"cluster-{uuid.uuid4().hex[:8]}-{index}"
    nephrostomy, biopsy = knowledge.procedure("nephrostomie"), knowledge.procedure("biopsie")
    received = []
    for turn, (question, expected) in enumerate(
        [
            ("c'est quoi une néphrostomie ?", None),
            ("et ça dure combien ?", answers.answer_aspect(knowledge, nephrostomy, "duration").text),
            ("et pour une biopsie ?", answers.answer_aspect(knowledge, biopsy, "duration").text),
            ("merci", None),
        ]
    ):
        replies = texts(cluster.say(urls[turn % len(urls)], question, sender))
        assert replies, (sender, question)
        if expected is not None:
            assert replies == [expected], (sender, question)
        received.extend(replies)
    return sender, received


def assert_store_holds_everything(cluster: RunningCluster, results, retried: bool = False) -> None:
    """Every turn a client received is stored, in order. `retried`: a server was killed, so
    the one turn in flight may be stored twice (the dying server saved it before it could
    answer, then nginx sent it to the other): at least once, never lost."""
    for sender, received in results:
        turns = turns_in_store(cluster, sender)
        if retried:
            turns = [t for i, t in enumerate(turns) if i + 1 == len(turns) or turns[i + 1][0] != t[0]]
        assert len(turns) == 4, sender
        assert [text for _, bot_texts in turns for text in bot_texts] == received, sender


def test_conversations_alternating_between_the_servers_keep_their_context(cluster, knowledge):
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(
            pool.map(lambda i: conversation(cluster, knowledge, i, cluster.rasa_urls), range(CONVERSATIONS))
        )
    assert_store_holds_everything(cluster, results)


@pytest.mark.parametrize("round_number", range(3))
def test_concurrent_messages_to_one_conversation_are_applied_one_at_a_time(cluster, knowledge, round_number):
    sender = f"cluster-concurrent-{round_number}-{uuid.uuid4().hex[:8]}"
    questions = {
        f"À quoi sert {name} ?": purpose_answer(knowledge, procedure_id)
        for procedure_id, name in [
            ("infiltration", "une infiltration"),
            ("biopsie", "une biopsie"),
            ("nephrostomie", "une néphrostomie"),
            ("angiographie", "une angiographie"),
            ("embolisation_portale", "une embolisation portale"),
            ("thermoablation", "une thermo-ablation"),
        ]
    }
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        replies = list(
            pool.map(
                lambda item: cluster.say(cluster.rasa_urls[item[0] % 2], item[1], sender),
                enumerate(questions),
            )
        )
    assert all(replies)

    # Each turn is whole in the store: its answer right after its question, nothing interleaved.
    turns = turns_in_store(cluster, sender)
    assert sorted(question for question, _ in turns) == sorted(questions)
    for question, bot_texts in turns:
        assert bot_texts and bot_texts[-1] == questions[question], question
    # Between two questions, the assistant went back to listening exactly once.
    questions_and_listens = "".join(
        "Q" if event["event"] == "user" else "L"
        for event in cluster.events(sender)
        if event["event"] == "user" or event.get("name") == "action_listen"
    )
    assert questions_and_listens.endswith("QL" * len(questions)), questions_and_listens


SERVICE_PORTS = ("CLUSTER_PORT", "CLUSTER_REST_PORT", "ACTION_PORT", "WEB_PORT", "DB_PORT", "REDIS_PORT")


def test_every_service_listens_on_loopback_only(cluster):
    loopback = {"127.0.0.1", "::1"}
    for name in SERVICE_PORTS:
        port = int(cluster.env[name])
        assert listening_addresses(port), f"nothing listens on {name} {port}"
        assert listening_addresses(port) <= loopback, (name, listening_addresses(port))
    for port in cluster.rasa_ports:
        assert listening_addresses(port) and listening_addresses(port) <= loopback, port


def test_the_web_chat_channel_works_through_nginx(cluster, knowledge):
    chat = SocketChat(cluster.url)
    try:
        replies = texts(chat.say("À quoi sert une biopsie ?"))
    finally:
        chat.close()
    assert replies[-1] == answers.answer_aspect(knowledge, knowledge.procedure("biopsie"), "purpose").text


def test_no_service_logs_what_patients_type(cluster):
    marker = uuid.uuid4().hex[:10]
    question = f"mon nom est Paul {marker}, à quoi sert une biopsie ?"
    cluster.say(cluster.rest_url, question, f"cluster-logs-{uuid.uuid4().hex[:8]}")
    logs = [*(cluster.state_dir / "logs").glob("*.log"), *(cluster.state_dir / "nginx").glob("*.log")]
    assert len(logs) >= 7
    for log in logs:
        assert marker not in log.read_text(encoding="utf-8", errors="replace"), log.name


def test_rest_is_off_the_public_port_and_needs_its_token(cluster, knowledge):
    body = {"sender": f"cluster-rest-{uuid.uuid4().hex[:8]}", "message": "À quoi sert une biopsie ?"}
    public = requests.post(f"{cluster.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert public.status_code == 404, "REST is not served on the public port"
    for url in (cluster.rest_url, *cluster.rasa_urls):
        refused = requests.post(f"{url}/webhooks/rest/webhook", json=body, timeout=30)
        assert refused.status_code == 401, url
    replies = texts(cluster.say(cluster.rest_url, body["message"], body["sender"]))
    assert replies[-1] == purpose_answer(knowledge, "biopsie")


def test_postgresql_accepts_only_tls_with_a_verified_certificate(cluster):
    with pytest.raises(psycopg2.OperationalError):
        cluster.database(sslmode="disable").close()
    # Verification is real: another CA's bundle does not accept the server's certificate.
    with pytest.raises(psycopg2.OperationalError):
        cluster.database(sslrootcert=certifi.where()).close()
    connection = cluster.database()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                "WHERE a.usename = 'rasa' AND a.pid <> pg_backend_pid()"
            )
            others, all_tls = cursor.fetchone()
    finally:
        connection.close()
    assert others >= 2 and all_tls, "the Rasa servers' connections use TLS"


def redis_client(cluster, **settings) -> redis.Redis:
    options = dict(
        host="127.0.0.1",
        port=int(cluster.env["REDIS_PORT"]),
        db=1,
        ssl=True,
        ssl_ca_certs=cluster.tls_ca,
        ssl_check_hostname=True,
        socket_timeout=5,
    )
    options.update(settings)
    return redis.Redis(**options)


def test_redis_accepts_only_tls_and_its_user_only_touches_the_locks(cluster):
    secrets = cluster.secrets()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=int(cluster.env["REDIS_PORT"]), socket_timeout=5).ping()
    with pytest.raises(redis.ConnectionError):
        redis_client(cluster, ssl_ca_certs=certifi.where()).ping()
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        redis_client(cluster).ping()  # the default user is off
    rasa = redis_client(cluster, username="rasa", password=secrets["REDIS_PASSWORD"])
    assert rasa.ping()
    assert rasa.set("lock:test-acl", "x", ex=5)
    for forbidden in (
        lambda: rasa.get("tracker:someone"),
        lambda: rasa.keys("*"),
        lambda: rasa.config_get("*"),
        lambda: rasa.flushall(),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            forbidden()


def test_a_conversation_kept_busy_gets_a_clear_apology(cluster, knowledge):
    """A turn that holds the conversation longer than LOCK_WAIT_SECONDS (12 here):
    the next message gets an apology asking to send it again, not silence."""
    sender = f"cluster-busy-{uuid.uuid4().hex[:8]}"
    secrets = cluster.secrets()
    config = EndpointConfig(
        url="127.0.0.1",
        port=cluster.env["REDIS_PORT"],
        db=1,
        username="rasa",
        password=secrets["REDIS_PASSWORD"],
        use_ssl=True,
        ssl_ca_certs=cluster.tls_ca,
    )
    # A server stuck in a turn of this conversation (one store per event loop: its connections belong to it).
    ticket = asyncio.run(AtomicRedisLockStore(config)._issue(sender, 60))
    try:
        started = time.monotonic()
        replies = texts(cluster.say(cluster.rasa_urls[0], "À quoi sert une biopsie ?", sender))
        waited = time.monotonic() - started
    finally:
        asyncio.run(AtomicRedisLockStore(config)._finish(sender, ticket))
    assert replies == [BUSY_CONVERSATION_REPLY]
    assert 11 < waited < 20, waited
    assert texts(cluster.say(cluster.rasa_urls[0], "À quoi sert une biopsie ?", sender))[-1] == (
        purpose_answer(knowledge, "biopsie")
    )


def test_no_secret_is_on_a_command_line(cluster):
    secrets = [value.encode() for value in cluster.secrets().values()]
    command_lines = [line.encode() for line in every_command_line()]
    assert any(b"redis-server" in line for line in command_lines)
    for line in command_lines:
        assert not any(secret in line for secret in secrets), line[:80]


def test_logs_are_private_and_hold_no_client_address(cluster):
    cluster.say(cluster.rest_url, "bonjour", f"cluster-access-{uuid.uuid4().hex[:8]}")
    chat = SocketChat(cluster.url)
    chat.close()
    access = (cluster.state_dir / "nginx" / "access.log").read_text(encoding="utf-8")
    assert "/socket.io/" in access and "/webhooks/rest/webhook" in access
    assert "127.0.0.1" not in access and "EIO=" not in access, "no address, no query string"
    for folder in (cluster.state_dir / "logs", cluster.state_dir / "nginx", cluster.state_dir / "tls"):
        assert not folder.stat().st_mode & 0o004, f"{folder} is readable by every user"
        for log in folder.glob("*.log"):
            assert not log.stat().st_mode & 0o044, f"{log} is readable by others"
    assert not (cluster.state_dir / "secrets.env").stat().st_mode & 0o077
    assert not (cluster.state_dir / "redis.conf").stat().st_mode & 0o077


def test_conversations_continue_through_nginx_when_a_rasa_server_is_killed(cluster, knowledge):
    """Next to last in this file: it leaves one Rasa server down."""
    killed = False

    def one_conversation(index: int):
        nonlocal killed
        if index == CONVERSATIONS // 5 and not killed:
            killed = True
            cluster.kill_rasa_server(1)
        return conversation(cluster, knowledge, index, [cluster.rest_url])

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(one_conversation, range(CONVERSATIONS)))
    assert killed
    assert_store_holds_everything(cluster, results, retried=True)


def test_ctrl_c_stops_every_service(cluster):
    """Last in this file: stops the cluster as Ctrl-C in its terminal does (SIGINT to the group).
    The services run in sessions of their own: the script stops them, then ends normally."""
    service_ports = [int(cluster.env[name]) for name in SERVICE_PORTS] + cluster.rasa_ports
    assert any(listening_addresses(port) for port in service_ports)
    started = [pid for pid in process_tree(cluster.process.pid) if pid != cluster.process.pid]
    assert len(started) >= 5  # redis, actions, two Rasa servers, the page, nginx (and its workers)
    status = cluster.stop()
    assert status == 0, f"local-cluster.sh exited with {status}, see {cluster.log}"
    assert "Arrêt demandé" in cluster.log.read_text(encoding="utf-8")
    for port in service_ports:
        assert not listening_addresses(port), f"port {port} still listening after Ctrl-C"
    assert not (cluster.state_dir / "pgdata" / "postmaster.pid").exists(), "PostgreSQL left running"
    left = [pid for pid in started if is_running(pid)]
    assert not left, f"processes left running: {left}"


def is_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
