"""A throwaway PostgreSQL server for the tests and the benchmarks: a new cluster in a temporary folder on
loopback, started for one run and removed after. Debian's server binaries are used; as root the server
runs as the `postgres` user, since PostgreSQL refuses to run as root. Durable like production: fsync on.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class PostgresMissing(RuntimeError):
    """Debian's PostgreSQL server binaries are not installed (apt install postgresql)."""


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise PostgresMissing("PostgreSQL's server binaries are missing (apt install postgresql)")
    return Path(initdb).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    return argv if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]


def version() -> str:
    done = subprocess.run([str(bindir() / "postgres"), "--version"], capture_output=True, text=True)
    return done.stdout.strip()


@dataclass(frozen=True)
class Server:
    dsn: str  # database `postgres`, user `postgres`, no password
    pid: int  # the process started (runuser as root): every server process descends from it


@contextmanager
def server(*settings: str) -> Iterator[Server]:
    """Start a server (extra `name=value` settings passed as -c), yield it; stop it and delete its cluster
    on exit."""
    bin_ = bindir()
    root = Path(tempfile.mkdtemp(prefix="saksi-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(
        _as_server_user(
            [
                str(bin_ / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = ["fsync=on", "max_connections=200", "shared_buffers=128MB", *settings]
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        _as_server_user(
            [str(bin_ / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(sockets)]
            + [arg for option in options for arg in ("-c", option)]
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                [str(bin_ / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
            ).returncode
            != 0
        ):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {(root / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield Server(f"postgresql://postgres@127.0.0.1:{port}/postgres", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(dsn: str) -> str:
    """A new, empty database on the server; its DSN."""
    import psycopg

    name = f"saksi_{secrets.token_hex(6)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return dsn.rsplit("/", 1)[0] + "/" + name
