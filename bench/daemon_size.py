"""Daemon size benchmark: resident memory of `probe daemon` idle and at its peak during a full run of a
list the size of the Cambodian list (30 URLs) on the lab, and the CPU seconds that run costs.

Starts the censorship lab (8 bulk sites beside its named scenarios) and a control service in this process,
writes a Citizen Lab CSV of 30 lab URLs (every named scenario, then bulk sites), imports it into a
temporary store with `probe targets import FILE --name lab` (and the lab's blockpage fingerprints with
`probe targets import-fingerprints`, as `probe demo` does), and runs `python -m probe daemon --config CFG`
as a child process twice, with `targets.list = "lab"`, the lab's probe overrides and control URL, and no
upload URL:

1. idle: `daemon.every_hours` huge and `jitter_fraction` 1, so the first run is due days after start
   (the first start waits up to 0.1 x jitter). Its RSS is read after it has logged "daemon started" and
   idled `IDLE_S`: the daemon with its imports done, before any run.
2. run: `jitter_fraction` 0, so the first full run starts as soon as the scheduler does (the next one is
   `every_hours` later). The peak is VmHWM once "full run done: N measured" is logged; then, after
   `IDLE_S` more, the RSS idle again after a run.

Each child's VmRSS, VmHWM (/proc/PID/status) and utime + stime (/proc/PID/stat) are sampled every 20 ms.
The run's CPU time is the difference between the last sample before "full run: measuring" was seen and
the first after "full run done" was seen (so up to two sampling intervals of an idle process besides).
Both children are stopped with SIGTERM; the time until they exit is printed.

Targets: idle under 45 MB, peak under 80 MB (MB = 10^6 bytes). Always exits 0 unless it cannot measure;
the targets are printed MET or MISSED. Everything runs on loopback in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from common import BENCH_TIMEOUTS, child_env, lab_rig, run_child, status, write_citizenlab_csv, write_config

from probe.cli.demo import merge

IDLE_TARGET_BYTES = 45_000_000
PEAK_TARGET_BYTES = 80_000_000
LIST_SIZE = 30  # rows of targets/lists/kh.csv
POLL_S = 0.020
IDLE_S = 2.0
START_TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0
LIST_NAME = "lab"
PROBE = [sys.executable, "-m", "probe"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
DONE_RE = re.compile(r"full run done: (\d+) measured")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB ({n / 2**20:.1f} MiB)"


@dataclass(frozen=True)
class Sample:
    at: float  # perf_counter
    rss: int  # bytes
    hwm: int  # bytes
    cpu_s: float  # utime + stime


def _sample(pid: int) -> Sample | None:
    try:
        status_text = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status_text.splitlines() if ":" in line)
    if "VmRSS" not in fields:  # a zombie
        return None
    kib = {k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM")}
    after_comm = stat[stat.rindex(")") + 2 :].split()  # fields from 3 (state) on: utime is 14, stime 15
    ticks = int(after_comm[14 - 3]) + int(after_comm[15 - 3])
    return Sample(time.perf_counter(), kib["VmRSS"], kib["VmHWM"], ticks / CLK_TCK)


def _pump(stream: IO[str], lines: queue.Queue[tuple[float, str]], log: list[str]) -> None:
    for line in stream:
        log.append(line.rstrip("\n"))
        lines.put((time.perf_counter(), line.rstrip("\n")))


@dataclass
class Daemon:
    """A `probe daemon` child: its log lines as they come, and its memory and CPU sampled every POLL_S."""

    config: Path
    workdir: Path
    name: str
    proc: subprocess.Popen[str] = field(init=False)
    err: IO[str] = field(init=False)
    started: float = field(init=False)
    lines: queue.Queue[tuple[float, str]] = field(default_factory=queue.Queue)
    log: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.err = (self.workdir / f"{self.name}.err").open("w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [*PROBE, "daemon", "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=self.err,
            stdin=subprocess.DEVNULL,
            env=child_env(),
            text=True,
        )
        assert self.proc.stdout is not None
        threading.Thread(target=_pump, args=(self.proc.stdout, self.lines, self.log), daemon=True).start()

    def poll(self) -> list[tuple[float, str]]:
        """Take one sample; return the log lines that arrived since the last poll."""
        sample = _sample(self.proc.pid)
        if sample is not None:
            self.samples.append(sample)
        seen = []
        while True:
            try:
                seen.append(self.lines.get_nowait())
            except queue.Empty:
                return seen

    def wait_for(self, predicate: Callable[[str], bool], timeout_s: float) -> tuple[float, str]:
        """Sample until a log line matches; return when it was seen and the line."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            for at, line in self.poll():
                if predicate(line):
                    return at, line
            if self.proc.poll() is not None:
                self.poll()
                raise self.fail(f"exited {self.proc.returncode} before the log said what was awaited")
            time.sleep(POLL_S)
        raise self.fail(f"did not log what was awaited within {timeout_s:.0f} s")

    def idle(self, seconds: float) -> Sample:
        """Sample for `seconds` (failing on any run starting meanwhile); return the last sample."""
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            for _, line in self.poll():
                if "run:" in line:
                    raise self.fail(f"started a run while it was meant to idle: {line!r}")
            time.sleep(POLL_S)
        self.poll()
        return self.samples[-1]

    def stop(self) -> tuple[float, int]:
        """SIGTERM; wait for the exit. Returns the seconds it took and the exit code."""
        sent = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise self.fail(f"did not stop within {STOP_TIMEOUT_S:.0f} s of SIGTERM") from None
        finally:
            self.err.close()
        return time.perf_counter() - sent, code

    def fail(self, what: str) -> SystemExit:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        stderr = (self.workdir / f"{self.name}.err").read_text(errors="replace").strip()
        log = "\n".join(self.log[-20:])
        return SystemExit(f"probe daemon ({self.name}) {what}\nstdout:\n{log}\nstderr:\n{stderr}")

    def before(self, at: float) -> Sample:
        return max((s for s in self.samples if s.at <= at), key=lambda s: s.at)

    def after(self, at: float) -> Sample:
        return min((s for s in self.samples if s.at >= at), key=lambda s: s.at)


def file_mappings(pid: int, top: int) -> tuple[list[tuple[int, str]], int]:
    """The `top` file-backed mappings by resident size, and the resident size of anonymous memory."""
    by_path: dict[str, int] = defaultdict(int)
    path = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and not head[0].endswith(":"):  # a mapping's header: address perms offset dev inode [path]
            path = head[5] if len(head) > 5 else "[anonymous]"
        elif head and head[0] == "Rss:":
            by_path[path] += int(head[1]) * 1024
    anonymous = sum(v for k, v in by_path.items() if not k.startswith("/"))
    files = sorted(((v, k) for k, v in by_path.items() if k.startswith("/")), reverse=True)
    return files[:top], anonymous


def import_times(statement: str, top: int) -> tuple[list[tuple[int, int, str]], int]:
    """`python -X importtime -c statement`: the top imports by cumulative µs (self, cumulative, name)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=child_env(),
        check=True,
    )
    wall_us = int((time.perf_counter() - started) * 1e6)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[0]), int(parts[1]), parts[2].rstrip()))
    return sorted(rows, key=lambda r: -r[1])[:top], wall_us


def _check(what: str, args: list[str], workdir: Path, name: str) -> str:
    child = run_child(args, workdir, name)
    if child.returncode != 0:
        raise SystemExit(f"{what} exited {child.returncode}:\n{child.stderr.strip()}")
    return child.stdout.strip()


def _config(workdir: Path, name: str, base: Mapping[str, Any], daemon: Mapping[str, Any]) -> Path:
    overrides = merge(dict(base), {"daemon": dict(daemon), "targets": {"list": LIST_NAME}})
    return write_config(workdir / f"{name}.toml", overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args()
    out: list[str] = []

    with tempfile.TemporaryDirectory(prefix="saksi-bench-daemon-") as tmp, lab_rig(Path(tmp), 8) as rig:
        workdir = Path(tmp)
        urls = [i.url for i in rig.lab.instances] + [u for u, _ in rig.lab.bulk_urls]
        urls, scenarios = urls[:LIST_SIZE], len(rig.lab.instances)
        if len(urls) < LIST_SIZE:
            raise SystemExit(f"the lab offers only {len(urls)} URLs; {LIST_SIZE} are needed")
        listing = write_citizenlab_csv(workdir / "lab.csv", urls)
        base = rig.probe_overrides(workdir / "probe.db")
        idle_config = _config(workdir, "idle", base, {"every_hours": 1e6, "jitter_fraction": 1.0})
        run_config = _config(workdir, "run", base, {"every_hours": 1.0, "jitter_fraction": 0.0})
        imported = _check(
            "probe targets import",
            [*PROBE, "targets", "import", str(listing), "--name", LIST_NAME, "--config", str(idle_config)],
            workdir,
            "import",
        )
        _check(
            "probe targets import-fingerprints",
            [
                *PROBE,
                "targets",
                "import-fingerprints",
                str(rig.lab.fingerprints_csv),
                "--config",
                str(idle_config),
            ],
            workdir,
            "fingerprints",
        )

        # 1. idle, before any run
        print("… probe daemon, idle (first run days away)", file=sys.stderr, flush=True)
        idle = Daemon(idle_config, workdir, "idle")
        up_at, up_line = idle.wait_for(lambda line: line.startswith("daemon started"), START_TIMEOUT_S)
        idle_sample = idle.idle(IDLE_S)
        mappings, anonymous = file_mappings(idle.proc.pid, 8)
        idle_stop_s, idle_code = idle.stop()

        # 2. a full run, then idle again
        print(f"… probe daemon, a full run of {len(urls)} URLs", file=sys.stderr, flush=True)
        daemon = Daemon(run_config, workdir, "run")
        run_at, run_line = daemon.wait_for(
            lambda line: line.startswith("full run: measuring"), START_TIMEOUT_S
        )
        done_at, done_line = daemon.wait_for(lambda line: DONE_RE.match(line) is not None, RUN_TIMEOUT_S)
        first, last = daemon.before(run_at), daemon.after(done_at)
        during = [s for s in daemon.samples if first.at <= s.at <= last.at]
        after_sample = daemon.idle(IDLE_S)
        run_stop_s, run_code = daemon.stop()

    top_imports, import_wall_us = import_times("import probe.cli.daemon, probe.daemon.service", 10)
    done_match = DONE_RE.match(done_line)
    measured = int(done_match.group(1)) if done_match else -1
    run_cpu_s = last.cpu_s - first.cpu_s
    peak = last.hwm
    timeouts = ", ".join(f"{k}={v:g}" for k, v in BENCH_TIMEOUTS.items())

    out += [
        f"command:             {sys.executable} -m probe daemon --config CFG",
        f"list:                {len(urls)} lab URLs ({scenarios} named scenarios + "
        f"{len(urls) - scenarios} bulk) imported as {LIST_NAME!r}: {imported}",
        f"settings:            lab overrides, control {rig.control_url}, no upload.url; timeouts (s): {timeouts}",
        f"sampling:            VmRSS, VmHWM, utime+stime of the child every {POLL_S * 1e3:g} ms "
        f"(clock ticks {CLK_TCK}/s)",
        "",
        "idle daemon (daemon.every_hours = 1e6, jitter_fraction = 1: no run due)",
        f"  started:           '{up_line}' {up_at - idle.started:.2f} s after exec",
        f"  idle RSS:          {_mb(idle_sample.rss)} {IDLE_S:g} s later   target < "
        f"{IDLE_TARGET_BYTES / 1e6:.0f} MB   {status(idle_sample.rss < IDLE_TARGET_BYTES)}",
        f"  VmHWM so far:      {_mb(idle_sample.hwm)} (start-up peak)",
        f"  CPU so far:        {idle_sample.cpu_s:.2f} s (start-up: interpreter, imports, store, scheduler)",
        f"  resident, anonymous (heap, stacks): {_mb(anonymous)}; largest file-backed mappings:",
        *(f"    {_mb(size):<26} {path}" for size, path in mappings),
        f"  SIGTERM -> exit:   {idle_stop_s:.2f} s, exit code {idle_code}",
        "",
        "full run (daemon.every_hours = 1, jitter_fraction = 0: the first run starts at once)",
        f"  run started:       '{run_line}' {run_at - daemon.started:.2f} s after exec; RSS just before "
        f"{_mb(first.rss)}",
        f"  run done:          '{done_line}' after {done_at - run_at:.2f} s"
        + ("" if measured == len(urls) else f"   (warning: {len(urls)} URLs were listed)"),
        f"  peak (VmHWM):      {_mb(peak)}   target < {PEAK_TARGET_BYTES / 1e6:.0f} MB   "
        f"{status(peak < PEAK_TARGET_BYTES)}",
        f"  highest VmRSS seen during the run: {_mb(max(s.rss for s in during))} ({len(during)} samples)",
        f"  CPU of the run:    {run_cpu_s:.2f} s (utime+stime; {100 * run_cpu_s / (last.at - first.at):.0f} % "
        f"of one core over {last.at - first.at:.2f} s); start-up before it {first.cpu_s:.2f} s",
        f"  idle RSS after:    {_mb(after_sample.rss)} {IDLE_S:g} s after the run   target < "
        f"{IDLE_TARGET_BYTES / 1e6:.0f} MB   {status(after_sample.rss < IDLE_TARGET_BYTES)}",
        f"  SIGTERM -> exit:   {run_stop_s:.2f} s, exit code {run_code}",
        "",
        f"imports (python -X importtime -c 'import probe.cli.daemon, probe.daemon.service', "
        f"{import_wall_us / 1e6:.2f} s in all), top 10 by cumulative time:",
        f"  {'cumulative':>11} {'self':>9}  module",
        *(f"  {cum / 1e3:>8.1f} ms {own / 1e3:>6.1f} ms  {name}" for own, cum, name in top_imports),
    ]
    print("\n".join(out))


if __name__ == "__main__":
    main()
