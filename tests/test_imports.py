"""A probe command imports what it uses and nothing else: the import graph of `probe --version`, `probe run`
and `probe daemon`, checked by the modules loaded (not timed: a slow machine cannot fail it, a new import can).

Each command runs in a fresh interpreter through the real entry point (`probe.cli.entry.main`, as the
`probe` script does) with `--config` naming a file that does not exist, which loads that command's module
and stops with its one-sentence error before doing any work; the modules loaded are then printed and
compared.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from probe.cli.app import COMMANDS

# Never on a probe's path: the collector's web framework, templates, metrics, the collector and analysis
# code, the data-science stack sqlite-utils would pull in, the analysis extra, httpx's own CLI.
NEVER = (
    "starlette",
    "uvicorn",
    "jinja2",
    "prometheus_client",
    "probe.collector",
    "probe.analysis",
    "probe.witness",
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "fpdf",
    "duckdb",
    "psycopg",
    "httpx._main",
    "pygments",
)
# `probe --version` needs the command-line parser and the version string, nothing that measures or stores.
NOT_FOR_VERSION = (
    *NEVER,
    "rich",
    "pydantic",
    "httpx",
    "dns",
    "cryptography",
    "sqlite_utils",
    "sqlite3",
    "asyncio",
    "probe.config",
    "probe.store",
    "probe.models",
)

SCRIPT = """
import json, sys
sys.argv = ["probe", *json.loads(sys.argv[1])]
from probe.cli.entry import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\n@@MODULES@@" + json.dumps(sorted(m for m, v in sys.modules.items() if v is not None)))
"""


def loaded(*args: str) -> list[str]:
    """The modules loaded by `probe ARGS` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(list(args))], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    modules: list[str] = json.loads(result.stdout.rsplit("@@MODULES@@", 1)[1])
    return modules


def offending(modules: list[str], banned: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == b or m.startswith(b + ".") for b in banned)]


def other_commands(modules: list[str], *own: str) -> list[str]:
    """Command modules loaded besides the command's own (a command imports no other command)."""
    mine = {f"probe.cli.{COMMANDS[name][0]}" for name in own}
    theirs = {f"probe.cli.{module}" for module, _ in COMMANDS.values()} - mine
    return sorted(theirs & set(modules))


def test_version_imports_the_parser_and_nothing_else() -> None:
    modules = loaded("--version")
    assert offending(modules, NOT_FOR_VERSION) == []
    assert other_commands(modules) == []


@pytest.mark.parametrize("command", ["run", "daemon", "status", "upload"])
def test_a_probe_command_imports_no_collector_analysis_or_web_code(command: str) -> None:
    modules = loaded(command, "--config", "/nonexistent/probe.toml")
    assert f"probe.cli.{COMMANDS[command][0]}" in modules, "the command's own module was not loaded"
    assert offending(modules, NEVER) == []
    assert other_commands(modules, command) == []


def test_the_banned_list_catches_what_it_names() -> None:
    """The check itself works: a command that does import the collector is caught."""
    modules = loaded("collector", "key", "--config", "/nonexistent/probe.toml")
    assert "probe.cli.collector" in modules
    assert other_commands(modules, "run") == ["probe.cli.collector"]
