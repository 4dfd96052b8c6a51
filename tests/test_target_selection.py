"""Which URLs a run measures: targets.categories and the sensitive categories, for probe run and the daemon."""

from __future__ import annotations

from pathlib import Path

from probe.cli.run import choose_targets
from probe.config import Settings
from probe.daemon.jobs import targets
from probe.models.target import TargetEntry
from probe.store import Store

ENTRIES = [
    TargetEntry(url="https://news.example/", category_code="NEWS"),
    TargetEntry(url="https://rights.example/", category_code="HUMR"),
    TargetEntry(url="https://dating.example/", category_code="DATE"),
]


def _urls(refs: list) -> list[str]:  # type: ignore[type-arg]
    return [r.url for r in refs]


def test_categories_setting_applies_to_run_and_daemon(tmp_path: Path) -> None:
    settings = Settings(store={"path": tmp_path / "p.db"}, targets={"list": "mine", "categories": ["HUMR"]})
    with Store(settings.store.path) as store:
        store.import_list("mine", ENTRIES)
        assert _urls(choose_targets(settings, store, None, [], [], False)) == ["https://rights.example/"]
        assert _urls(targets(settings, store)) == ["https://rights.example/"]


def test_sensitive_categories_only_when_asked(tmp_path: Path) -> None:
    plain = Settings(store={"path": tmp_path / "p.db"}, targets={"list": "mine"})
    with Store(plain.store.path) as store:
        store.import_list("mine", ENTRIES)
        assert "https://dating.example/" not in _urls(targets(plain, store))
        asked = plain.model_copy(
            update={"targets": plain.targets.model_copy(update={"include_sensitive": True})}
        )
        assert "https://dating.example/" in _urls(targets(asked, store))
        named = plain.model_copy(
            update={"targets": plain.targets.model_copy(update={"categories": ["DATE"]})}
        )
        assert _urls(targets(named, store)) == ["https://dating.example/"]
