"""deploy/compose.postgres.yaml and deploy/Caddyfile.postgres: two collectors on one PostgreSQL database
behind Caddy. There is no container engine in the tests: the compose file is parsed (a reader for the
YAML subset compose files use, checked against PyYAML where that is installed) and its services checked;
the Caddyfile is adapted and validated by Caddy itself (Debian package `caddy`; without it the test
skips on a developer's machine and fails in CI)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.shared_data import require_tools

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.postgres.yaml"
CADDYFILE = DEPLOY / "Caddyfile.postgres"
COLLECTORS = ("collector1", "collector2")


# A reader for block YAML as compose files use it: mappings, sequences, quoted and plain scalars,
# JSON-style flow sequences, anchors and `<<` merges. Anything else is an error, not a guess.


def _scalar(text: str, anchors: dict[str, Any]) -> Any:
    if text.startswith("*"):
        return anchors[text[1:]]
    if text.startswith('"') or text.startswith("["):
        return json.loads(text)
    if text.startswith("'"):
        assert text.endswith("'"), text
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    assert not text.startswith(("{", "&", "|", ">")), f"unsupported YAML: {text}"
    return text


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        assert "\t" not in raw, "YAML does not allow tabs for indentation"
        line = re.sub(r"\s+#(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$).*$", "", raw.rstrip())
        out.append((len(line) - len(line.lstrip(" ")), line.strip()))
    return out


def read_yaml(text: str) -> Any:
    lines = _lines(text)
    anchors: dict[str, Any] = {}
    pos = 0

    def block(indent: int) -> Any:
        nonlocal pos
        if lines[pos][1].startswith("- "):
            items = []
            while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("- "):
                item = lines[pos][1][2:].strip()
                if re.match(r"[\w.-]+:( |$)", item):  # `- key: value`: a mapping in the list
                    lines[pos] = (indent + 2, item)
                    items.append(block(indent + 2))
                else:
                    items.append(_scalar(item, anchors))
                    pos += 1
            return items
        mapping: dict[str, Any] = {}
        while pos < len(lines) and lines[pos][0] == indent:
            key, _, rest = lines[pos][1].partition(":")
            rest = rest.strip()
            pos += 1
            anchor = None
            if rest.startswith("&"):
                anchor, rest = rest[1:], ""
            if rest:
                value = _scalar(rest, anchors)
            elif pos < len(lines) and lines[pos][0] > indent:
                value = block(lines[pos][0])
            else:
                value = None  # `key:` alone, as in a volumes list
            if anchor:
                anchors[anchor] = value
            if key == "<<":
                mapping = {**value, **mapping}
            else:
                assert key not in mapping, f"{key} appears twice"
                mapping[key.strip("\"'")] = value
        return mapping

    parsed = block(0)
    assert pos == len(lines), f"unparsed YAML from: {lines[pos][1]}"
    return parsed


def compose() -> dict[str, Any]:
    text = COMPOSE.read_text()
    parsed: dict[str, Any] = read_yaml(text)
    if importlib.util.find_spec("yaml") is not None:  # PyYAML, where installed, reads the same
        assert importlib.import_module("yaml").safe_load(text) == parsed
    return parsed


def test_compose_runs_two_collectors_on_postgres_behind_caddy() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"postgres", "collector-init", *COLLECTORS, "proxy"}
    assert set(spec["volumes"]) >= {"postgres-data", "collector-data", "caddy-data"}

    db = services["postgres"]
    assert re.fullmatch(r"postgres:15(\.\d+)?(-\w+)?", db["image"])
    assert "postgres-data:/var/lib/postgresql/data" in db["volumes"]
    assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "synchronous_commit=on" in db["command"] and "fsync=on" in db["command"]
    assert "ports" not in db, "the database is reachable from the collectors only"
    password = db["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${SAKSI_DB_PASSWORD:?"), "the password comes from .env, not the file"

    init = services["collector-init"]
    assert init["command"] == ["probe", "collector", "key"]
    assert "collector-data:/var/lib/saksi-collector" in init["volumes"]

    proxy_ip = services["proxy"]["networks"]["saksi"]["ipv4_address"]
    addresses = set()
    for name in COLLECTORS:
        c = services[name]
        assert c["build"]["dockerfile"] == "deploy/container/Containerfile.collector"
        assert (DEPLOY / c["build"]["context"] / c["build"]["dockerfile"]).is_file()
        env = c["environment"]
        url = env["PROBE_COLLECTOR__DATABASE"]
        assert url.startswith("postgresql://saksi@postgres:5432/"), url
        assert ":" not in url.removeprefix("postgresql://").split("@")[0], "no password in the URL"
        assert env["PGPASSWORD"] == password
        assert json.loads(env["PROBE_COLLECTOR__TRUSTED_PROXIES"]) == [proxy_ip]
        # The same key for both, read-only; the one-shot service made it.
        assert c["volumes"] == ["collector-data:/var/lib/saksi-collector:ro"]
        assert c["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "collector-init": {"condition": "service_completed_successfully"},
        }
        assert "ports" not in c, "the collectors are reachable through the proxy only"
        assert c["read_only"] is True and c["cap_drop"] == ["ALL"]
        addresses.add(c["networks"]["saksi"]["ipv4_address"])
    assert len(addresses) == 2 and proxy_ip not in addresses

    proxy = services["proxy"]
    assert "./Caddyfile.postgres:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert (DEPLOY / "Caddyfile.postgres").is_file()
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"} for name in COLLECTORS}
    assert "443:443" in proxy["ports"]
    # Pools stay under the server's connection limit: collectors x workers x pool size.
    limit = next(int(arg.split("=")[1]) for arg in db["command"] if arg.startswith("max_connections="))
    used = sum(
        int(services[n]["environment"]["PROBE_COLLECTOR__WORKERS"])
        * int(services[n]["environment"]["PROBE_COLLECTOR__DB_POOL_SIZE"])
        for n in COLLECTORS
    )
    assert used < limit


def test_caddy_balances_both_collectors_and_logs_no_client_addresses(tmp_path: Path) -> None:
    text = CADDYFILE.read_text()
    directives = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert re.findall(r"^\s*log\b.*$", directives, re.MULTILINE) == ["\tlog default {"]
    excluded = re.search(r"^\s*exclude (.+)$", directives, re.MULTILINE)
    assert excluded and {"http.log.access", "http.log.error", "http.stdlib"} <= set(excluded.group(1).split())
    for placeholder in ("remote_ip", "remote_host", "client_ip", "{remote}", "trusted_proxies"):
        assert placeholder not in directives, f"Caddyfile.postgres uses {placeholder}"

    require_tools("caddy")
    env = {"SAKSI_DOMAIN": "collector.example.org", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    config = json.loads(adapted.stdout)
    assert set(config["logging"]["logs"]["default"]["exclude"]) >= {"http.log.access", "http.log.error"}
    server = config["apps"]["http"]["servers"]["srv0"]
    assert "logs" not in server, "an access log is on"
    proxy = _handler(server, "reverse_proxy")
    assert [u["dial"] for u in proxy["upstreams"]] == ["collector1:8080", "collector2:8080"]
    assert proxy["load_balancing"]["selection_policy"]["policy"] == "least_conn"
    assert proxy["health_checks"]["active"]["uri"] == "/api/v1/log/key"
    assert proxy["health_checks"]["passive"]["max_fails"] >= 1
    # Caddy at the edge trusts no proxy in front of it: X-Forwarded-For is the real caller.
    assert "trusted_proxies" not in server

    # Validation provisions the config and starts active health checks: point the upstreams at closed
    # loopback ports so that it resolves no names.
    local = tmp_path / "Caddyfile"
    local.write_text(
        text.replace("collector1:8080", "127.0.0.1:9").replace("collector2:8080", "127.0.0.1:11")
    )
    valid = subprocess.run(
        ["caddy", "validate", "--config", str(local), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert valid.returncode == 0, valid.stderr[-2000:]


def _handler(node: Any, name: str) -> dict[str, Any]:
    """The first handler called `name` anywhere in an adapted Caddy config."""
    if isinstance(node, dict):
        if node.get("handler") == name:
            return node
        children: list[Any] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        children = []
    for child in children:
        try:
            return _handler(child, name)
        except LookupError:
            continue
    raise LookupError(name)
