"""Pydantic models shared by every stage: the wire formats and the measurement payload (DESIGN.md)."""
