"""What every settings section shares: unknown keys are refused, and the default data folder."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def data_dir() -> Path:
    """Saksi's data folder: $XDG_DATA_HOME/saksi, else ~/.local/share/saksi."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "saksi"
