"""The `probe` command's entry point: quiet on SIGTERM or Ctrl-C from the very first moment.

Signal handlers are set before anything heavy is imported, so a stop that arrives while the program is
still starting ends it quietly (exit status 0 for SIGTERM, 130 for Ctrl-C), never with a traceback.
Commands that run long (`probe daemon`, `probe run`) set their own handlers once they start.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    try:
        from probe.cli.app import main as run_app
    except KeyboardInterrupt:
        sys.exit(130)
    run_app()
