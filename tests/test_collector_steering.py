"""The collector cannot steer a probe silently (issue 12, problem 7).

- https only: a plain http:// collector or control is refused unless it is on this machine or
  upload.allow_http says so explicitly (`probe init --allow-http`).
- The test lists the daemon fetches must be signed by the collector's pinned log key; what is not signed
  is not used, and the probe reads only the signed bytes.
- A list the volunteer imported is never replaced by the collector's list of the same name.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from probe.config import ConfigError, Settings, load_settings
from probe.daemon import jobs
from probe.models.target import TargetEntry
from probe.store import Store
from probe.upload import UploadError
from tests.collector_rig import Rig, collector


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with collector(tmp_path_factory.mktemp("collector")) as running:
        yield running


@pytest.mark.parametrize(
    "values",
    [
        {"upload": {"url": "http://collector.example"}},
        {"control": {"url": "http://collector.example/api/v1/control"}},
        {"upload": {"url": "http://192.0.2.7:8080"}},
    ],
)
def test_plain_http_to_another_machine_is_refused(values: dict[str, dict[str, str]], tmp_path: Path) -> None:
    config = tmp_path / "probe.toml"
    section, setting = next(iter(values.items()))
    config.write_text(f'[{section}]\nurl = "{setting["url"]}"\n')
    with pytest.raises(ConfigError, match=r"is plain http://: use https://"):
        load_settings(config)
    allowed = f'[{section}]\nurl = "{setting["url"]}"\n' + (
        "allow_http = true\n" if section == "upload" else "[upload]\nallow_http = true\n"
    )
    config.write_text(allowed)
    assert load_settings(config)  # the explicit, documented flag


def test_loopback_and_https_need_no_flag() -> None:
    assert Settings(upload={"url": "http://127.0.0.5:8080"}, control={"url": "http://[::1]:1/c"})
    assert Settings(upload={"url": "https://collector.example"})


class _Relay(BaseHTTPRequestHandler):
    """A man in the middle: relays to the real collector, and changes the test lists it hands out."""

    upstream = ""
    tamper: str = "plain"  # "plain": change the unsigned copy; "signed": change the signed payload too

    def do_GET(self) -> None:
        answer = httpx.get(self.upstream + self.path, timeout=10)
        body = answer.content
        if self.path.startswith("/api/v1/targets"):
            data = json.loads(body)
            evil = [{**data["lists"]["kh"][0], "url": "https://evil.example/"}]
            data["lists"]["kh"] = evil
            if self.tamper == "signed":
                import base64

                payload = json.loads(base64.b64decode(data["envelope"]["payload"]))
                payload["lists"]["kh"] = evil
                data["envelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
            body = json.dumps(data).encode()
        self.send_response(answer.status_code)
        self.send_header("content-type", answer.headers.get("content-type", "text/plain"))
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def relay(rig: Rig) -> Iterator[tuple[str, type[_Relay]]]:
    handler = type("Relay", (_Relay,), {"upstream": rig.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _urls(store: Store, name: str) -> set[str]:
    return {e.url for e in store.lists().get(name, [])}


def test_only_signed_lists_are_used(tmp_path: Path, relay: tuple[str, type[_Relay]]) -> None:
    url, handler = relay
    s = Settings(upload={"url": url}, store={"path": tmp_path / "probe.db"})
    with Store(s.store.path) as store:
        asyncio.run(jobs.refresh_lists(s, store))  # the unsigned copy was changed: the signed one is used
        assert "https://evil.example/" not in _urls(store, "kh") and _urls(store, "kh")
        before = _urls(store, "kh")
        handler.tamper = "signed"
        with pytest.raises(UploadError, match="not signed by its log key"):
            asyncio.run(jobs.refresh_lists(s, store))
        assert _urls(store, "kh") == before  # nothing was changed


def test_a_list_the_volunteer_imported_is_never_replaced(tmp_path: Path, rig: Rig) -> None:
    s = Settings(upload={"url": rig.url}, store={"path": tmp_path / "probe.db"})
    mine = [TargetEntry(url="https://my-own.example/", category_code="NEWS")]
    with Store(s.store.path) as store:
        store.import_list("kh", mine)  # as `probe targets import` does
        asyncio.run(jobs.refresh_lists(s, store))
        assert _urls(store, "kh") == {"https://my-own.example/"}
