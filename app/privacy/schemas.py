"""GDPR API shapes. The export itself is a free-form JSON document (app/privacy/export.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ErasureRead(BaseModel):
    person_id: int
    erasure_requested_at: str | None
    erased: bool


class EraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool


class ErasedRead(BaseModel):
    person_id: int
    contracts_ended: int
    panels_closed: int
