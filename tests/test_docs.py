"""Docs are part of the feature: every command has help and is documented, every setting is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel

from probe.cli.app import app
from probe.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _docs_text() -> str:
    parts = [(ROOT / "README.md").read_text()]
    parts += [p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(parts)


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, cmd)]
    if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
        for name, sub in cmd.commands.items():
            found += _commands(sub, (*path, name))
    return found


def test_every_command_has_help_and_a_line_in_the_docs() -> None:
    docs = _docs_text()
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 8
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"`probe {' '.join(path)}` has no help text"
        if path:
            assert f"probe {' '.join(path)}" in docs, f"`probe {' '.join(path)}` is not in README.md or docs/"


def test_every_setting_is_documented() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text()
    names = []
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for name, sub in model.model_fields.items():
            names.append(f"{section}.{name}")
            assert sub.description, (
                f"{section}.{name} has no description in its settings model (probe/config.py, probe/service_settings.py)"
            )
    missing = [n for n in names if f"`{n}`" not in docs]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


def test_readme_starts_with_a_two_command_quick_start() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("probe demo")
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci, ".ci/run must run the README's test command"


def test_timelines_doc_lists_every_timeline_rule() -> None:
    from probe.analysis.rules import EVENT_RULES, WINDOW_RULES

    doc = (ROOT / "docs" / "timelines.md").read_text()
    for rule_id in [*WINDOW_RULES, *EVENT_RULES]:
        assert f"`{rule_id}`" in doc, f"timeline rule {rule_id} missing from docs/timelines.md"


def test_methods_doc_lists_every_rule_and_scenario() -> None:
    from probe.classify.rules import RULES
    from probe.lab import SCENARIOS

    doc = (ROOT / "docs" / "methods.md").read_text()
    for rule in RULES:
        assert f"`{rule.rule_id}`" in doc, f"rule {rule.rule_id} missing from docs/methods.md"
    for scenario in SCENARIOS:
        assert f"`{scenario.id}`" in doc, f"scenario {scenario.id} missing from docs/methods.md"
