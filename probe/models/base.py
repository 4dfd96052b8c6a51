"""Base classes for wire models: unknown fields are errors, values are immutable once built."""

from pydantic import BaseModel, ConfigDict


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
