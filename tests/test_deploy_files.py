"""The container and Kubernetes files of docs/deploy.md, checked without Docker or a cluster.

Nothing here builds an image or applies a manifest (there is no Docker engine in this project's
CI): these tests read deploy/Dockerfile.*, .dockerignore and deploy/kubernetes/ and check that
they agree with the repository and with each other.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Set, Tuple

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = {"rasa": ROOT / "deploy" / "Dockerfile.rasa", "actions": ROOT / "deploy" / "Dockerfile.actions"}
K8S_DIR = ROOT / "deploy" / "kubernetes"
ENDPOINTS = "deploy/endpoints.cluster.yml"
# Not in a fresh clone: written by `make train`, which is run before building the Rasa image.
MADE_BY_MAKE_TRAIN = {"models"}
PLACEHOLDER = "CHANGE-ME"


# --- Dockerfiles -------------------------------------------------------------------------------


class Instruction(NamedTuple):
    keyword: str
    args: str


def instructions(dockerfile: Path) -> List[Instruction]:
    """The instructions, continuation lines joined and comment lines dropped (as Docker does)."""
    result, pending = [], ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        result.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    assert not pending, f"{dockerfile.name}: ends inside a continued line"
    return result


def copies(dockerfile: Path) -> Iterator[Tuple[List[str], List[str], str]]:
    """(flags, sources, destination) of each COPY."""
    for instruction in instructions(dockerfile):
        if instruction.keyword == "COPY":
            tokens = shlex.split(instruction.args)
            flags = [token for token in tokens if token.startswith("--")]
            paths = [token for token in tokens if not token.startswith("--")]
            yield flags, paths[:-1], paths[-1]


def repo_sources(dockerfile: Path) -> List[str]:
    """COPY sources taken from the build context (not from another stage), without trailing '/'."""
    return [
        source.rstrip("/")
        for flags, sources, _ in copies(dockerfile)
        if not any(flag.startswith("--from=") for flag in flags)
        for source in sources
    ]


def in_image(dockerfile: Path, path: str) -> bool:
    return any(path == source or path.startswith(source + "/") for source in repo_sources(dockerfile))


def exec_form(dockerfile: Path, keyword: str) -> List[str]:
    """The last `keyword` (CMD...) in exec form. A JSON error would make Docker run it through a shell."""
    args = [i.args for i in instructions(dockerfile) if i.keyword == keyword][-1]
    parsed = json.loads(args)
    assert isinstance(parsed, list) and all(isinstance(part, str) for part in parsed), args
    return parsed


# The image starts Rasa through the wrapper that applies the project's patches (patches/__init__.py).
RASA_COMMAND = "exec python scripts/rasa_server.py run"
PRINT_ARGUMENTS = "exec printf '%s\\n' rasa run"


def rasa_server_script() -> str:
    command = exec_form(DOCKERFILES["rasa"], "CMD")
    assert command[:2] == ["sh", "-c"], command
    return command[2]


def option(command: str, name: str) -> str:
    match = re.search(rf"{name}\s+(\S+)", command)
    assert match, f"no {name} in {command!r}"
    return match.group(1)


# --- .dockerignore -----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern: Go's filepath.Match (`*` and `?` within one path element) plus `**`."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def dockerignore_rules() -> List[Tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            included = line.startswith("!")
            rules.append((included, _pattern_regex(line.lstrip("!").strip().strip("/"))))
    return rules


def in_build_context(path: str) -> bool:
    """Whether Docker sends `path` (relative to the repository) with the build context: the last
    rule matching the path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    included = True
    for rule_includes, regex in dockerignore_rules():
        if any(regex.fullmatch(candidate) for candidate in candidates):
            included = rule_includes
    return included


# --- Kubernetes manifests ----------------------------------------------------------------------


def manifest_files() -> List[Path]:
    return sorted(K8S_DIR.rglob("*.yaml"))


def documents() -> List[Dict[str, Any]]:
    return [
        document
        for path in manifest_files()
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if document is not None
    ]


def of_kind(kind: str) -> List[Dict[str, Any]]:
    return [document for document in documents() if document["kind"] == kind]


def named(kind: str, name: str) -> Dict[str, Any]:
    matches = [document for document in of_kind(kind) if document["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod_template(workload: Dict[str, Any]) -> Dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def workloads() -> List[Dict[str, Any]]:
    return of_kind("Deployment") + of_kind("CronJob")


def containers(workload: Dict[str, Any]) -> List[Dict[str, Any]]:
    spec = pod_template(workload)["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def image_of(container: Dict[str, Any]) -> str:
    """'rasa' or 'actions': which Dockerfile the container's image is built from."""
    repository = container["image"].rsplit(":", 1)[0]
    return repository.rsplit("/", 1)[-1]


def provided_env(container: Dict[str, Any]) -> Set[str]:
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(named("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            secret = named("Secret", source["secretRef"]["name"])
            names |= set(secret.get("stringData", {})) | set(secret.get("data", {}))
    return names


def config() -> Dict[str, str]:
    return named("ConfigMap", "rasa-config")["data"]


def selects(selector: Dict[str, str], labels: Dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


# --- Tests: images -----------------------------------------------------------------------------


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_every_copy_source_is_in_the_repository_and_the_build_context(image):
    dockerfile = DOCKERFILES[image]
    sources = repo_sources(dockerfile)
    assert sources
    for source in sources:
        if source in MADE_BY_MAKE_TRAIN:
            makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
            assert "scripts/train.py" in makefile and f"{source}/*.tar.gz" in makefile, source
            model = f"{source}/20260101-000000-model.tar.gz"
            assert in_build_context(model), f"{source} left out by .dockerignore"
            continue
        path = ROOT / source
        assert path.exists(), f"{dockerfile.name}: COPY {source}: not in the repository"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        files = [p for p in files if "__pycache__" not in p.parts]
        assert files, source
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            assert in_build_context(relative), f"{relative} is copied but left out by .dockerignore"


def test_the_build_context_leaves_out_conversations_secrets_and_local_environments():
    for path in [
        "rasa.db",
        "var/cluster/secrets.env",
        "var/cluster/pgdata/base/1/1259",
        ".env",
        ".venv/bin/python",
        ".venv-load/bin/python",
        "web/node_modules/socket.io-client/dist/socket.io.min.js",
        ".git/config",
        "results/stories/failed_test_stories.yml",
        "tests/test_cluster.py",
        "channels/__pycache__/rest.cpython-310.pyc",
        ".rasa/cache/cache.db",
    ]:
        assert not in_build_context(path), path


def test_the_rasa_server_command_uses_files_the_image_has():
    script = rasa_server_script()
    assert RASA_COMMAND + " " in script
    for name in ("--endpoints", "--credentials"):
        path = option(script, name)
        assert (ROOT / path).is_file() and in_image(DOCKERFILES["rasa"], path), (name, path)
    assert option(script, "--endpoints") == ENDPOINTS
    # The model comes from `make train` through the first stage.
    model_dir = option(script, "--model")
    assert model_dir in MADE_BY_MAKE_TRAIN and in_image(DOCKERFILES["rasa"], model_dir)
    assert any(
        "--from=model" in flags and destination.rstrip("/") == model_dir
        for flags, _, destination in copies(DOCKERFILES["rasa"])
    )
    assert option(script, "--port") == "5005"
    healthcheck = [i.args for i in instructions(DOCKERFILES["rasa"]) if i.keyword == "HEALTHCHECK"]
    assert healthcheck and "http://localhost:5005/" in healthcheck[0]


def project_classes_named_in_rasa_files() -> Set[str]:
    """Dotted class paths of this repository that Rasa imports from its configuration files."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    endpoints = yaml.safe_load((ROOT / ENDPOINTS).read_text(encoding="utf-8"))
    names = [item["name"] for item in config["pipeline"] + config["policies"]]
    names += list(credentials)
    names += [
        section["type"] for section in endpoints.values() if isinstance(section, dict) and "type" in section
    ]
    return {name for name in names if "." in name}


def test_the_rasa_image_has_the_projects_components_channels_and_stores():
    classes = project_classes_named_in_rasa_files()
    # The spaCy loader, both channels and the lock store, at least.
    assert {name.split(".")[0] for name in classes} >= {"components", "channels", "stores"}, classes
    for dotted in classes:
        module = dotted.rsplit(".", 1)[0].replace(".", "/") + ".py"
        assert (ROOT / module).is_file(), dotted
        assert in_image(DOCKERFILES["rasa"], module), f"{module} ({dotted}) is not copied into the Rasa image"


def test_the_action_server_command_uses_modules_the_image_has():
    command = exec_form(DOCKERFILES["actions"], "CMD")
    # rasa_sdk's server through the project's wrapper, inside the container on every interface.
    assert command[:2] == ["python", "scripts/action_server.py"], command
    assert in_image(DOCKERFILES["actions"], "scripts/action_server.py")
    assert command[command.index("--interface") + 1] == "0.0.0.0"
    assert importlib.util.find_spec("rasa_sdk") is not None
    package = command[command.index("--actions") + 1]
    assert (ROOT / package / "__init__.py").is_file() and in_image(DOCKERFILES["actions"], package)
    # The knowledge file, where knowledge/loader.py looks for it by default.
    assert in_image(DOCKERFILES["actions"], "knowledge/procedures.yml")
    assert command[command.index("--port") + 1] == "5055"
    healthcheck = [i.args for i in instructions(DOCKERFILES["actions"]) if i.keyword == "HEALTHCHECK"]
    assert healthcheck and "http://localhost:5055/health" in healthcheck[0]


def test_the_cluster_commands_use_files_the_rasa_image_has():
    commands = [
        " ".join(container.get("command", []) + container.get("args", []))
        for workload in workloads()
        for container in containers(workload)
        if image_of(container) == "rasa" and container.get("command")
    ]
    joined = " ".join(commands)
    assert "python -m deploy.create_tracker_tables" in joined
    assert "scripts/delete_old_conversations.py" in joined
    for command in commands:
        for module in re.findall(r"python -m (\S+)", command):
            path = module.replace(".", "/") + ".py"
            assert (ROOT / path).is_file() and in_image(DOCKERFILES["rasa"], path), module
        for path in re.findall(r"\b[\w./-]+\.(?:py|yml)\b", command):
            assert (ROOT / path).is_file() and in_image(DOCKERFILES["rasa"], path), path


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_the_images_install_what_requirements_lock_pins(image):
    dockerfile = DOCKERFILES[image]
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {
        re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in lock.splitlines() if "==" in line
    }
    assert "requirements.lock" in repo_sources(dockerfile)
    installs = [
        part.strip()
        for instruction in instructions(dockerfile)
        if instruction.keyword == "RUN"
        for part in re.split(r"&&|;", instruction.args)
        if "pip install" in part
    ]
    assert installs
    with_lock = 0
    for install in installs:
        words = [word for word in shlex.split(install) if word not in ("pip", "install", "--no-cache-dir")]
        if len(words) == 1 and re.match(r"pip[<>=]", words[0]):
            continue  # pip's own upgrade, before the lock
        assert words[:2] in (["-r", "requirements.lock"], ["-c", "requirements.lock"]), install
        with_lock += 1
        for package in words[2:]:
            normalized = re.sub(r"[-_.]+", "-", package).lower()
            assert normalized in pinned, f"{package} is not pinned in requirements.lock"
    assert with_lock == 1
    if image == "rasa":
        # The whole lock: exactly what the tests ran with, the French spaCy model included.
        assert any("-r requirements.lock" in install for install in installs)
        assert re.search(r"^fr[-_]core[-_]news[-_]sm==", lock, re.M | re.I)


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_the_images_use_the_projects_python_and_a_non_root_user(image):
    python = (ROOT / ".python-version").read_text().strip()
    for instruction in instructions(DOCKERFILES[image]):
        if instruction.keyword == "FROM":
            assert instruction.args.startswith(f"python:{python}."), instruction.args
    users = [i.args for i in instructions(DOCKERFILES[image]) if i.keyword == "USER"]
    assert users and not users[-1].startswith(("0", "root")), users


@pytest.mark.parametrize(
    "origins, expected",
    [
        ("", []),
        ("https://www.clinique.example", ["https://www.clinique.example"]),
        ("https://a.example http://b.example:8080", ["https://a.example", "http://b.example:8080"]),
        ("./*", ["./*"]),  # never expanded by the shell
    ],
)
def test_the_rasa_command_passes_each_cors_origin_as_one_argument(tmp_path, origins, expected):
    (tmp_path / "file").write_text("")
    script = rasa_server_script().replace(RASA_COMMAND, PRINT_ARGUMENTS)
    result = subprocess.run(
        ["sh", "-c", script], env={"CORS_ORIGINS": origins, "REST_TOKEN": "t", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode == 0, result.stderr
    argv = result.stdout.splitlines()
    assert argv[argv.index("--cors") + 1:] == expected
    assert "--enable-api" not in argv


@pytest.mark.parametrize("origins", ["*", "https://www.clinique.example *"])
def test_the_rasa_command_refuses_cors_star(tmp_path, origins):
    script = rasa_server_script().replace(RASA_COMMAND, PRINT_ARGUMENTS)
    result = subprocess.run(
        ["sh", "-c", script], env={"CORS_ORIGINS": origins, "REST_TOKEN": "t", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode != 0 and "never *" in result.stderr
    assert "rasa" not in result.stdout


def test_the_rasa_command_refuses_to_start_without_a_rest_token(tmp_path):
    script = rasa_server_script().replace(RASA_COMMAND, PRINT_ARGUMENTS)
    result = subprocess.run(
        ["sh", "-c", script], env={"CORS_ORIGINS": "https://a.example", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=10,
    )
    assert result.returncode != 0 and "REST_TOKEN" in result.stderr
    assert "rasa" not in result.stdout


# --- Tests: manifests --------------------------------------------------------------------------


def test_every_manifest_parses_and_names_its_kind():
    assert manifest_files()
    for path in manifest_files():
        loaded = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        assert loaded, path
        for document in loaded:
            assert document.get("apiVersion") and document.get("kind"), path
            assert document.get("metadata", {}).get("name"), (path, document["kind"])
    namespace = named("Namespace", "radiologie-assistant")["metadata"]["name"]
    for document in documents():
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == namespace, document["metadata"]["name"]


def test_the_secret_template_holds_placeholders_only_and_is_not_applied_with_the_folder():
    secrets = of_kind("Secret")
    assert secrets
    for secret in secrets:
        assert not secret.get("data"), "base64 `data` could hide a real value: use stringData placeholders"
        assert secret["stringData"] and set(secret["stringData"].values()) == {PLACEHOLDER}, secret
    for path in manifest_files():
        kinds = {d["kind"] for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d}
        if "Secret" in kinds:
            # `kubectl apply -f deploy/kubernetes/` is not recursive: the real Secret is never overwritten.
            assert path.parent != K8S_DIR, path
    for configmap in of_kind("ConfigMap"):
        for key in configmap["data"]:
            assert not re.search(r"PASSWORD|TOKEN|SECRET", key), f"{key} belongs in the Secret"


def test_no_http_api_without_token_and_no_cors_star():
    texts = [i.args for path in DOCKERFILES.values() for i in instructions(path)]
    texts += list(strings(documents()))
    for text in texts:
        if "--enable-api" in text:
            assert "--auth-token" in text, text
        assert not re.search(r"--cors\s+[\"']?\*", text), text
    for origin in config()["CORS_ORIGINS"].split():
        assert re.fullmatch(r"https?://[^/*\s]+", origin), origin
    for ingress in of_kind("Ingress"):
        annotations = ingress["metadata"].get("annotations", {})
        assert annotations.get("nginx.ingress.kubernetes.io/cors-allow-origin", "") != "*"


def test_every_variable_of_the_endpoints_file_reaches_the_rasa_containers():
    endpoints = yaml.safe_load((ROOT / ENDPOINTS).read_text(encoding="utf-8"))
    needed = {name for text in strings(endpoints) for name in re.findall(r"\$\{(\w+)\}", text)}
    assert {"ACTION_SERVER_URL", "DB_PASSWORD", "REDIS_HOST"} <= needed
    rasa_containers = [c for w in workloads() for c in containers(w) if image_of(c) == "rasa"]
    # The server, the tracker-table init container and the retention CronJob read the same file.
    assert len(rasa_containers) >= 3
    for container in rasa_containers:
        missing = needed - provided_env(container)
        assert not missing, f"{container['name']}: {sorted(missing)} not set"
    server = named("Deployment", "rasa")["spec"]["template"]["spec"]["containers"][0]
    assert {"CORS_ORIGINS", "ACTION_TIMEOUT_SECONDS", "TICKET_LOCK_LIFETIME"} <= provided_env(server)
    assert float(config()["TICKET_LOCK_LIFETIME"]) > float(config()["ACTION_TIMEOUT_SECONDS"])
    cronjob = named("CronJob", "delete-old-conversations")
    assert "RETENTION_DAYS" in provided_env(pod_template(cronjob)["spec"]["containers"][0])


def test_workloads_are_non_root_without_privilege_escalation_and_read_only():
    uids = {
        name: re.search(r"^USER (\d+)", path.read_text(encoding="utf-8"), re.M).group(1)
        for name, path in DOCKERFILES.items()
    }
    for workload in workloads():
        spec = pod_template(workload)["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert spec.get("automountServiceAccountToken") is False
        for container in containers(workload):
            assert str(spec["securityContext"]["runAsUser"]) == uids[image_of(container)]
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
            assert context["capabilities"]["drop"] == ["ALL"]
            mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, container["name"]  # Rasa writes there (HOME=/tmp)
            assert "limits" in container["resources"], container["name"]


def test_services_ingress_and_action_url_point_at_real_ports():
    ports: Dict[str, Set[int]] = {}
    for service in of_kind("Service"):
        pods = [
            w for w in of_kind("Deployment")
            if selects(service["spec"]["selector"], pod_template(w)["metadata"]["labels"])
        ]
        assert pods, service["metadata"]["name"]
        container_ports = {
            p["name"]: p["containerPort"] for c in containers(pods[0]) for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports, service["metadata"]["name"]
        ports[service["metadata"]["name"]] = {port["port"] for port in service["spec"]["ports"]}
    action_url = re.fullmatch(r"http://([\w-]+):(\d+)/webhook", config()["ACTION_SERVER_URL"])
    assert action_url and int(action_url.group(2)) in ports[action_url.group(1)]
    exposed = {"rasa": 5005, "actions": 5055}
    for name, port in exposed.items():
        assert re.search(rf"^EXPOSE {port}$", DOCKERFILES[name].read_text(encoding="utf-8"), re.M)
        assert port in ports[name]
    paths = set()
    for ingress in of_kind("Ingress"):
        assert ingress["spec"]["tls"], ingress["metadata"]["name"]
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["number"] in ports[backend["name"]], path
                paths.add(path["path"])
    # The REST channel is for integrators: not on the public ingress.
    assert paths == {"/socket.io/"}


def ingress_for(path: str) -> Dict[str, Any]:
    matches = [
        ingress for ingress in of_kind("Ingress")
        for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"] if p["path"] == path
    ]
    assert len(matches) == 1, path
    return matches[0]


def test_socketio_is_sticky_and_rate_limited_and_rest_needs_its_token():
    def annotations(ingress: Dict[str, Any]) -> Dict[str, str]:
        return {key.split("/")[-1]: value for key, value in ingress["metadata"]["annotations"].items()}

    socketio = ingress_for("/socket.io/")
    assert {"upstream-hash-by", "affinity"} & set(annotations(socketio))
    assert annotations(socketio)["limit-rps"] and annotations(socketio)["proxy-body-size"]
    # The image refuses to start without REST_TOKEN: test_the_rasa_command_refuses_to_start_without...


def test_rasa_starts_only_with_its_database_and_is_ready_only_while_it_answers():
    spec = named("Deployment", "rasa")["spec"]
    assert spec["replicas"] == 2
    pod = spec["template"]["spec"]
    init = " ".join(pod["initContainers"][0]["command"])
    assert f"python -m deploy.create_tracker_tables {ENDPOINTS}" in init
    # The tables are created, then the dry run checks once more that the database answers.
    check = rf"create_tracker_tables {ENDPOINTS} &&\s*python scripts/delete_old_conversations\.py"
    assert re.search(check, init)
    assert "--dry-run" in init
    server = pod["containers"][0]
    readiness = " ".join(server["readinessProbe"]["exec"]["command"])
    assert "5005" in readiness and "DB_HOST" in readiness and "DB_PORT" in readiness
    startup = server["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120
    assert server["resources"]["requests"]["memory"] == "1.5Gi"
    assert server["resources"]["limits"]["memory"] == "2Gi"


def egress_ports(component: str) -> Tuple[Set[int], Set[int]]:
    """(ports to other pods, ports to ipBlocks) allowed to the pods of `component`."""
    to_pods, to_blocks = set(), set()
    for policy in of_kind("NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        if selector.get("app.kubernetes.io/component") != component:
            continue
        for rule in policy["spec"].get("egress", []):
            ports = {port["port"] for port in rule.get("ports", [])}
            if any("ipBlock" in peer for peer in rule["to"]):
                to_blocks |= ports
            else:
                to_pods |= ports
    return to_pods, to_blocks


def ingress_sources(component: str) -> List[Tuple[Dict[str, Any], Set[int]]]:
    sources = []
    for policy in of_kind("NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        if selector.get("app.kubernetes.io/component") == component:
            for rule in policy["spec"].get("ingress", []):
                sources.append((rule["from"], {port["port"] for port in rule["ports"]}))
    return sources


def test_network_policies_deny_by_default_and_match_the_ports_in_use():
    default_deny = [
        p for p in of_kind("NetworkPolicy") if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
    ]
    assert default_deny and set(default_deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    # Only the ingress controller reaches rasa:5005; only rasa reaches actions:5055.
    (rasa_from, rasa_ports), = ingress_sources("rasa")
    assert rasa_ports == {5005} and all("namespaceSelector" in peer for peer in rasa_from)
    (actions_from, actions_ports), = ingress_sources("actions")
    assert actions_ports == {5055}
    sources = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in actions_from]
    assert sources == ["rasa"]
    # Egress to the databases on the ports the ConfigMap gives.
    db_port, redis_port = int(config()["DB_PORT"]), int(config()["REDIS_PORT"])
    assert egress_ports("rasa") == ({5055}, {db_port, redis_port})
    assert egress_ports("retention") == (set(), {db_port})


def project_modules_imported_by(paths: List[str]) -> Set[str]:
    """The project's own files (modules, package folders) that the files `paths` import, followed
    through the imports of those files in turn."""
    seen: Set[str] = set()
    todo = list(paths)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                parts = name.split(".")
                # The module and every package above it, whose __init__.py Python runs first.
                for depth in range(1, len(parts) + 1):
                    module = "/".join(parts[:depth])
                    for candidate in (f"{module}.py", f"{module}/__init__.py"):
                        if (ROOT / candidate).is_file():
                            todo.append(candidate)
    return seen


@pytest.mark.parametrize(
    "image, started", [("rasa", "scripts/rasa_server.py"), ("actions", "scripts/action_server.py")]
)
def test_every_project_module_a_server_imports_is_in_its_image(image, started):
    roots = [started]
    if image == "rasa":
        roots += [
            dotted.rsplit(".", 1)[0].replace(".", "/") + ".py"
            for dotted in project_classes_named_in_rasa_files()
        ]
    else:
        roots += [str(path.relative_to(ROOT)) for path in (ROOT / "actions").glob("*.py")]
    missing = [path for path in project_modules_imported_by(roots) if not in_image(DOCKERFILES[image], path)]
    assert not missing, f"imported but not copied into the {image} image: {sorted(missing)}"
