"""What the benchmarks share: the censorship lab with a control service, the settings that point at both,
and running `probe` as a child process from a TOML config and a Citizen Lab CSV, as a volunteer runs it.

Starts everything on loopback the way `probe demo` does (`probe/cli/demo.py`); touches nothing outside
its own temporary directory and opens no connection beyond 127.0.0.0/8.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import time
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.cli.demo import CONTROL_HOST, merge
from probe.config import Settings
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import Expected, Lab

# Short but realistic: lab timeouts are real silences, and the one-URL-at-a-time sweep must finish in
# minutes. Only these are set; every other setting (concurrency included) keeps its default.
BENCH_TIMEOUTS: dict[str, float] = {
    "dns_s": 2.0,
    "tcp_connect_s": 2.0,
    "tls_handshake_s": 2.0,
    "http_s": 4.0,
    "control_s": 20.0,
}
TIMEOUT_METHODS = frozenset({"dns.timeout", "tcp.timeout", "tls.timeout", "http.timeout"})
CITIZENLAB_HEADER = ("url", "category_code", "category_description", "date_added", "source", "notes")


@dataclass(frozen=True)
class LabRig:
    """A running lab with its bulk sites and a control service, and the overrides that point a probe at both."""

    lab: Lab
    control_url: str

    def probe_overrides(self, store_path: Path) -> dict[str, Any]:
        """Settings overrides for a probe measuring the lab: resolvers, CA, control, store, timeouts."""
        return merge(
            self.lab.probe_overrides(),
            {"control": {"url": self.control_url}, "store": {"path": store_path}, "timeouts": BENCH_TIMEOUTS},
        )

    def probe_settings(self, store_path: Path) -> Settings:
        return Settings(**self.probe_overrides(store_path))


@contextmanager
def _data_home(path: Path) -> Iterator[None]:
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(path)
    try:
        yield
    finally:
        if before is None:
            del os.environ["XDG_DATA_HOME"]
        else:
            os.environ["XDG_DATA_HOME"] = before


BENCH_CONTROL_PER_MIN = 10_000


@contextmanager
def lab_rig(workdir: Path, sites: int) -> Iterator[LabRig]:
    """Start the lab with `sites` generated sites and a control service; stop both on exit.

    XDG_DATA_HOME points into `workdir` meanwhile (for the probes this process starts too), so that any
    default data folder (the store's, a signing key's) stays in the temporary directory.
    """
    with _data_home(workdir / "data"), Lab(workdir / "lab", extra_sites=sites) as lab:
        control_settings = Settings(
            **merge(
                lab.control_overrides(),
                {
                    "store": {"path": workdir / "control.db"},
                    "timeouts": BENCH_TIMEOUTS,
                    # One probe key asks once per URL: a sweep of a few hundred URLs in seconds is far more
                    # than the default per_key_per_min (120) allows, and the URLs past it would be refused
                    # (429) and left inconclusive. The lab's control serves this one bench probe only.
                    "control": {"per_key_per_min": BENCH_CONTROL_PER_MIN},
                },
            )
        )
        server = ServerThread(uvicorn_config(control_settings, CONTROL_HOST, 0))
        server.start()
        try:
            yield LabRig(lab, f"http://{CONTROL_HOST}:{server.port}/api/v1/control")
        finally:
            server.stop()


def timeout_blocked(expected: Expected) -> bool:
    """Whether the lab blocks this site by letting something time out."""
    return expected.outcome == "blocked" and expected.method in TIMEOUT_METHODS


def expected_fields(expected: Expected) -> tuple[str, str | None, str | None]:
    return (expected.outcome, expected.method, expected.confidence)


def show(fields: tuple[str, str | None, str | None]) -> str:
    return " ".join(x for x in fields if x)


def status(met: bool) -> str:
    return "MET" if met else "MISSED"


# -- a small TOML writer: tomllib only reads -----------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # a JSON string of ASCII text is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a TOML value")


def _toml_table(data: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for key, value in data.items():
        if key not in tables and value is not None:  # TOML has no null: leave the key out
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables.items():
        name = f"{prefix}.{key}" if prefix else key
        lines.extend(["", f"[{name}]"])
        _toml_table(table, name, lines)


def to_toml(data: Mapping[str, Any]) -> str:
    """`data` (tables, strings, numbers, bools, lists of those) as TOML text; None values are left out."""
    lines: list[str] = []
    _toml_table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _plain(data: Any) -> Any:
    """`data` as tomllib would read it back: paths as strings, tuples as lists, None values dropped."""
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items() if v is not None}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return str(data) if isinstance(data, Path) else data


def write_config(path: Path, overrides: Mapping[str, Any]) -> Path:
    """Write `overrides` as the probe's TOML config at `path`, checking that it reads back as meant."""
    text = to_toml(overrides)
    if tomllib.loads(text) != _plain(overrides):
        raise SystemExit("the TOML written does not read back as the settings meant; fix to_toml")
    path.write_text(text, encoding="utf-8")
    # `probe run` measures only with consent on record, as `probe init --yes-i-understand` leaves it, on a
    # network approved (the lab's own loopback network, whatever number it reports: any network).
    from datetime import UTC, datetime

    from probe.config import load_settings
    from probe.consent import CONSENT_VERSION, record_consent

    record_consent(
        load_settings(path), "en", CONSENT_VERSION, datetime.now(UTC), method="flag", any_network=True
    )
    return path


def write_citizenlab_csv(path: Path, urls: Iterable[str], category_code: str = "LAB") -> Path:
    """Write `urls` as a Citizen Lab test list (the CSV `probe run --list` reads)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CITIZENLAB_HEADER)
        for url in urls:
            writer.writerow((url, category_code, "Censorship lab site", "2026-01-01", "bench", ""))
    return path


# -- child processes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cpu:
    """CPU time in seconds, user and system."""

    user_s: float
    sys_s: float

    @property
    def total_s(self) -> float:
        return self.user_s + self.sys_s

    @classmethod
    def between(cls, before: resource.struct_rusage, after: resource.struct_rusage) -> Cpu:
        return cls(after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)

    def show(self, wall_s: float) -> str:
        """For example `11.52 s (user 10.20 + sys 1.32) = 72 % of one core over 15.91 s`."""
        return (
            f"{self.total_s:.2f} s (user {self.user_s:.2f} + sys {self.sys_s:.2f}) = "
            f"{100 * self.total_s / wall_s:.0f} % of one core over {wall_s:.2f} s"
        )


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    wall_s: float
    child_cpu: Cpu  # the child and the descendants it waited for: RUSAGE_CHILDREN before and after
    own_cpu: Cpu  # this process meanwhile, every thread (the lab, the control service): RUSAGE_SELF
    max_rss_bytes: int  # the child's VmHWM; 0 unless sampled (poll_s)
    samples: int
    stdout: str
    stderr: str


def _hwm_bytes(pid: int, args: Sequence[str]) -> int | None:
    """The process's VmHWM once it runs `args` (before its exec it is still a copy of this process)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        if [a.decode() for a in cmdline] != list(args):
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError):
        pass  # gone, or between fork and exec
    return None  # a zombie has no memory left to report


def child_env() -> dict[str, str]:
    """This environment without PROBE_* variables: the config file decides."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PROBE_")}


def run_child(args: Sequence[str], workdir: Path, name: str, *, poll_s: float | None = None) -> ChildRun:
    """Run `args` to the end, with its output in `workdir/name.{out,err}`; time it and count its CPU.

    CPU time comes from getrusage: RUSAGE_CHILDREN grows by exactly what the child (and any descendant it
    waited for) used once it is waited for, and RUSAGE_SELF by what this process used meanwhile. With
    `poll_s`, the child's peak RSS (VmHWM, a high-water mark) is sampled every `poll_s` until it exits
    (which costs this process some CPU); without, this process just waits. Not `ru_maxrss`: Linux carries
    a process's high-water mark across exec, so a child's ru_maxrss is at least the RSS of this process
    when it forked (here the lab and the control service).
    """
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.err"
    peak, samples = 0, 0
    with out_path.open("wb") as out, err_path.open("wb") as err:
        children, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=child_env())
        if poll_s is None:
            proc.wait()
        else:
            while proc.poll() is None:
                hwm = _hwm_bytes(proc.pid, args)
                if hwm is not None:
                    peak, samples = max(peak, hwm), samples + 1
                time.sleep(poll_s)
        wall_s = time.perf_counter() - started
        child_cpu = Cpu.between(children, resource.getrusage(resource.RUSAGE_CHILDREN))
        own_cpu = Cpu.between(own, resource.getrusage(resource.RUSAGE_SELF))
    return ChildRun(
        returncode=proc.returncode,
        wall_s=wall_s,
        child_cpu=child_cpu,
        own_cpu=own_cpu,
        max_rss_bytes=peak,
        samples=samples,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )
