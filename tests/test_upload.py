"""Uploading to the real collector (probe.collector over uvicorn on loopback): receipts are checked before an
item leaves the outbox, duplicates get the original receipt, a down collector only delays, rejections are
dead with the collector's reason, and a forged receipt or a changed collector key is refused loudly.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typer.testing import CliRunner

from probe.cli.keys import app as keys_app
from probe.cli.upload import enrol_command, upload_command
from probe.config import Settings
from probe.log import NoteSigner, NoteVerifier
from probe.measure.flow import UrlFacts
from probe.models.measurement import Measurement, TargetRef, TimeAnchor
from probe.runner import SEED_FILE, TIME_ANCHOR_KEY, build_measurement, fingerprint_set
from probe.sign.dsse import RECEIPT_TYPE, Envelope, sign_envelope
from probe.sign.keys import DeviceSeed, key_id
from probe.sign.signer import ProbeSigner
from probe.store import Store
from probe.upload import CollectorKeyError, check_receipt, upload
from probe.upload.client import stamp
from probe.upload.identity import pin_key_name
from probe.verify import verify_file
from tests.collector_rig import Rig, collector
from tests.consent import consented
from tests.shared_data import require_tools
from tests.test_verify import _recipe

ASN = 38623  # what the rig's ip2asn table says of 127.0.0.0/24


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with collector(tmp_path_factory.mktemp("collector")) as running:
        yield running


def probe_settings(tmp: Path, url: str | None, **upload: Any) -> Settings:
    return Settings(
        upload={"url": url, "retry_base_s": 30, **upload} if url else {},
        store={"path": tmp / "probe.db"},
        probe={"asn": ASN},
    )


def measure(s: Settings, store: Store, n: int = 1, *, started: datetime | None = None) -> list[Measurement]:
    """Measurements as `probe run` makes, signs and stores them (no network needed for the facts)."""
    signer = ProbeSigner(DeviceSeed(s.store.seed_folder / SEED_FILE))
    made = []
    for i in range(n):
        when = stamp(started or datetime.now(UTC))
        facts = UrlFacts(url=f"https://site{i}.example/", started_at=when, finished_at=when)
        m = build_measurement(facts, TargetRef(url=facts.url), s, fingerprint_set(None), signer=signer)
        envelope, digest = signer.sign(m)
        store.save(m, envelope, digest)
        made.append(m)
    return made


def collector_verifier(rig: Rig) -> NoteVerifier:
    return NoteVerifier.from_vkey(httpx.get(f"{rig.url}/api/v1/log/key").text.strip())


async def test_upload_verifies_receipts_enrols_and_anchors(rig: Rig, tmp_path: Path) -> None:
    s = probe_settings(tmp_path, rig.url, batch_size=2)
    with Store(s.store.path) as store:
        made = measure(s, store, 5)
        report = await upload(s, store)
        assert report.error is None, report.error
        assert (report.uploaded, report.duplicates, report.retrying, report.dead) == (5, 0, 0, [])
        assert report.pending == 0 and store.outbox_counts() == {"uploaded": 5}
        kid = made[0].probe.key_id
        assert kid is not None and report.enrolled == [kid] and store.is_enrolled(rig.url, kid)
        verifier = collector_verifier(rig)
        assert store.kv_get(pin_key_name(rig.url)) == verifier.verifier_key()
        for m in made:
            raw = store.receipt(m.measurement_uid)
            assert raw is not None
            envelope = store.envelope(m.measurement_uid)
            assert envelope is not None
            digest = hashlib.sha256(envelope.body()).hexdigest()
            receipt = check_receipt(
                Envelope.model_validate_json(raw),
                verifier,
                uid=m.measurement_uid,
                payload_sha256=digest,
                probe_key_id=kid,
            )
            assert receipt.observed_asn == ASN
        anchor = store.kv_get(TIME_ANCHOR_KEY)
        assert (
            anchor is not None and report.checkpoint_size == TimeAnchor.model_validate_json(anchor).tree_size
        )
        # Nothing left to do: no request at all.
        again = await upload(s, store)
        assert (again.uploaded, again.error, again.enrolled) == (0, None, [])


async def test_reupload_is_a_duplicate_with_the_byte_identical_receipt(rig: Rig, tmp_path: Path) -> None:
    first = probe_settings(tmp_path / "a", rig.url)
    second = probe_settings(tmp_path / "b", rig.url)
    with Store(first.store.path) as a, Store(second.store.path) as b:
        (m,) = measure(first, a)
        envelope = a.envelope(m.measurement_uid)
        assert envelope is not None
        b.save(m, envelope, hashlib.sha256(envelope.body()).hexdigest())
        # Same device seed, so the second store can enrol the same key (it is already enrolled: 200).
        second.store.seed_folder.mkdir(parents=True)
        (second.store.seed_folder / SEED_FILE).write_bytes((first.store.seed_folder / SEED_FILE).read_bytes())
        (second.store.seed_folder / SEED_FILE).chmod(0o600)
        assert (await upload(first, a)).uploaded == 1
        report = await upload(second, b)
        assert (report.uploaded, report.duplicates, report.error) == (0, 1, None)
        assert a.receipt(m.measurement_uid) == b.receipt(m.measurement_uid)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.9", 0))
        return int(sock.getsockname()[1])


async def test_collector_down_leaves_items_pending_with_a_later_attempt(tmp_path: Path) -> None:
    s = probe_settings(tmp_path, f"http://127.0.0.9:{_closed_port()}")
    now = datetime.now(UTC) + timedelta(seconds=1)
    with Store(s.store.path) as store:
        measure(s, store, 3)
        report = await upload(s, store, now=now)
        assert report.error is not None and "cannot be reached" in report.error
        assert (report.uploaded, report.retrying, report.pending) == (0, 3, 3)
        assert report.next_attempt_at is not None and report.next_attempt_at > stamp(now)
        assert store.outbox_counts() == {"pending": 3}
        assert store.outbox_due(stamp(now), 10) == []  # nothing due until the backoff has passed
        assert len(store.outbox_due(stamp(now + timedelta(seconds=31)), 10)) == 3


def _cli(command: Any, *args: str) -> Any:
    app = typer.Typer()
    app.command()(command)
    return CliRunner().invoke(app, list(args))


def _keys(*args: str) -> Any:
    """`probe keys ...` as the root app will register it (a group beside another command)."""
    app = typer.Typer()
    app.add_typer(keys_app, name="keys")
    app.command("upload")(upload_command)
    return CliRunner().invoke(app, ["keys", *args])


def _config(tmp: Path, url: str | None, extra: str = "") -> Path:
    path = tmp / "probe.toml"
    upload_table = f'[upload]\nurl = "{url}"\n' if url else ""
    path.write_text(f'[store]\npath = "{tmp / "probe.db"}"\n[probe]\nasn = {ASN}\n{upload_table}{extra}')
    return path


def test_upload_command_collector_down_exits_0_and_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path, f"http://127.0.0.9:{_closed_port()}")
    s = probe_settings(tmp_path, "http://127.0.0.9:1")
    with Store(s.store.path) as store:
        measure(s, store, 2)
    result = _cli(upload_command, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "0 uploaded" in result.stdout and "2 waiting" in result.stdout
    assert "cannot be reached" in result.stderr and "Traceback" not in result.output


def test_upload_command_without_url_says_how_to_set_it(tmp_path: Path) -> None:
    result = _cli(upload_command, "--config", str(_config(tmp_path, None)))
    assert result.exit_code != 0
    assert "upload.url" in str(result.exception) and "PROBE_UPLOAD__URL" in str(result.exception)


async def test_rejected_for_good_is_dead_with_the_collectors_reason(rig: Rig, tmp_path: Path) -> None:
    s = probe_settings(tmp_path, rig.url)
    with Store(s.store.path) as store:
        measure(s, store, 1, started=datetime.now(UTC) - timedelta(days=400))  # older than max_age_days
        measure(s, store, 1)
        report = await upload(s, store)
        assert report.uploaded == 1
        assert [reason for _, reason in report.dead] == ["too_old"]
        assert store.outbox_counts() == {"dead": 1, "uploaded": 1}
        ((reason, count),) = store.dead_reasons()
        assert reason.startswith("too_old") and count == 1


class ForgingTransport(httpx.AsyncHTTPTransport):
    """A man in the middle: passes requests to the real collector, re-signs receipts with another key."""

    def __init__(self, key: Ed25519PrivateKey, keyid: str) -> None:
        super().__init__()
        self.key, self.keyid = key, keyid

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.path != "/api/v1/measurements":
            return response
        data = json.loads(await response.aread())
        for result in data["results"]:
            if result.get("receipt"):
                body = base64.b64decode(result["receipt"]["payload"])
                result["receipt"] = sign_envelope(RECEIPT_TYPE, body, self.key, self.keyid).model_dump()
        return httpx.Response(response.status_code, json=data)


@pytest.mark.parametrize("keyid", ["forger's", "collector's"])
async def test_a_receipt_signed_by_another_key_is_refused(rig: Rig, tmp_path: Path, keyid: str) -> None:
    s = probe_settings(tmp_path, rig.url)
    forger = Ed25519PrivateKey.generate()
    claimed = key_id(forger.public_key()) if keyid == "forger's" else key_id_of_collector(rig)
    with Store(s.store.path) as store:
        measure(s, store, 2)
        async with httpx.AsyncClient(transport=ForgingTransport(forger, claimed)) as client:
            report = await upload(s, store, client=client)
        assert report.uploaded == 0 and report.refused_receipts == 2
        assert report.error is not None and report.error.startswith("REFUSED a receipt")
        assert store.outbox_counts() == {"pending": 2}


def key_id_of_collector(rig: Rig) -> str:
    return key_id(Ed25519PublicKey.from_public_bytes(collector_verifier(rig).public_key))


async def test_a_changed_collector_key_is_refused_and_nothing_is_sent(rig: Rig, tmp_path: Path) -> None:
    s = probe_settings(tmp_path, rig.url)
    other = NoteSigner("saksi.localhost/log", Ed25519PrivateKey.generate()).verifier_key()
    with Store(s.store.path) as store:
        measure(s, store, 1)
        store.kv_set(pin_key_name(rig.url), other)  # pinned on an earlier run
        with pytest.raises(CollectorKeyError, match="pinned"):
            await upload(s, store)
        assert store.outbox_counts() == {"pending": 1}
        assert store.outbox_due(stamp(datetime.now(UTC)), 10)[0].attempts == 0
    configured = probe_settings(tmp_path / "c", rig.url, log_key=other)
    with Store(configured.store.path) as store:
        measure(configured, store, 1)
        with pytest.raises(CollectorKeyError, match=r"upload\.log_key"):
            await upload(configured, store)
    right = probe_settings(tmp_path / "d", rig.url, log_key=collector_verifier(rig).verifier_key())
    with Store(right.store.path) as store:
        measure(right, store, 1)
        assert (await upload(right, store)).uploaded == 1


async def test_a_key_the_collector_forgot_is_enrolled_again(rig: Rig, tmp_path: Path) -> None:
    s = probe_settings(tmp_path, rig.url)
    with Store(s.store.path) as store:
        (m,) = measure(s, store, 1)
        assert m.probe.key_id is not None
        store.mark_enrolled(rig.url, m.probe.key_id, "unverified")  # but the collector never saw it
        first = await upload(s, store)
        assert first.uploaded == 0 and first.dead == [] and first.enrolled == [m.probe.key_id]
        assert store.outbox_counts() == {"pending": 1}
        later = datetime.now(UTC) + timedelta(hours=7)
        assert (await upload(s, store, now=later)).uploaded == 1


def test_enrol_and_keys_show_commands(rig: Rig, tmp_path: Path) -> None:
    config = _config(tmp_path, rig.url)
    refused = _cli(enrol_command, "--config", str(config))
    assert refused.exit_code != 0 and not (tmp_path / "keys").exists()  # no device key without consent
    consented(config)
    result = _cli(enrol_command, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("enrolled: key ") and "tier unverified" in result.stdout
    again = _cli(enrol_command, "--config", str(config))
    assert again.stdout.startswith("already enrolled: key ")
    shown = _keys("show", "--config", str(config))
    assert shown.exit_code == 0, shown.output
    kid = result.stdout.split()[2]
    assert f"key id    {kid}" in shown.stdout
    assert "-----BEGIN PUBLIC KEY-----" in shown.stdout
    vkey = next(line.split()[1] for line in shown.stdout.splitlines() if line.startswith("vkey"))
    verifier = NoteVerifier.from_vkey(vkey)
    assert verifier.name == "saksi-probe"
    assert key_id(Ed25519PublicKey.from_public_bytes(verifier.public_key)) == kid
    record = httpx.get(f"{rig.url}/api/v1/probes/{kid}").json()
    assert record["public_key_pem"].strip() in shown.stdout


def test_keys_show_without_a_device_key_is_one_sentence(tmp_path: Path) -> None:
    result = _keys("show", "--config", str(_config(tmp_path, None)))
    assert result.exit_code != 0
    assert "no device key" in str(result.exception)


async def test_the_collectors_evidence_record_verifies_offline(rig: Rig, tmp_path: Path) -> None:
    """The whole chain: measure, sign, upload, wait for the log, fetch the record, verify it offline."""
    s = probe_settings(tmp_path, rig.url)
    with Store(s.store.path) as store:
        (m,) = measure(s, store, 1)
        assert (await upload(s, store)).uploaded == 1
        pinned = store.kv_get(pin_key_name(rig.url))
    path = tmp_path / "record.json"
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            response = await client.get(f"{rig.url}/api/v1/measurements/{m.measurement_uid}")
            assert response.status_code == 200, response.text
            if response.json().get("inclusion"):
                break
            await asyncio.sleep(0.05)
    path.write_bytes(response.content)
    result = verify_file(path, log_key=pinned)
    assert result.ok, result.checks
    assert result.summary().startswith("verified: signature, receipt, inclusion in checkpoint ")
    # And the documented openssl recipe agrees, on the collector's own record.
    require_tools("jq", "openssl")
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-euo", "pipefail", "-c", _recipe()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Signature Verified Successfully") == 2
