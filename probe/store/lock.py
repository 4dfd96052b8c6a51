"""One probe process per store: `probe daemon`, `probe run` and `probe wipe` hold this lock while they work.

The lock is an exclusive `flock` on `<store>.lock` (beside the store, owner-only), which the kernel releases
when the process ends however it ends, so a crash never leaves a stale lock. The holder writes its process
id into the file, so that `probe wipe` can say which process holds it, and stop a daemon that does.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from probe.i18n import t


class StoreBusy(Exception):
    """Another probe process works on this store; the message names it and says what to do."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


def holder(store_path: Path) -> int | None:
    """The process id holding the store's lock, or None when no process holds it."""
    path = lock_path(store_path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class StoreLock:
    """`with StoreLock(store_path, "probe daemon"):`; raises StoreBusy when another process holds it."""

    def __init__(self, store_path: Path, what: str) -> None:
        self.path = lock_path(store_path)
        self.what = what
        self._fd: int | None = None

    def __enter__(self) -> StoreLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            pid = int(text) if text.isdigit() else None
            who = t("busy_who", pid=pid if pid else "?")
            raise StoreBusy(t("busy", who=who, path=self.path.with_suffix(""), what=self.what), pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
