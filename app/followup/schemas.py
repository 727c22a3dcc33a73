"""Staff follow-up call shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.followup.models import CallKind, StaffCall

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class CallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    called_on: date
    kind: CallKind = CallKind.midterm
    note: Note = ""


class CallRead(BaseModel):
    id: int
    contract_id: int
    staff_id: int | None
    called_on: date
    kind: CallKind
    note: str
    created_at: datetime

    @classmethod
    def build(cls, call: StaffCall) -> CallRead:
        return cls(
            id=call.id, contract_id=call.contract_id, staff_id=call.staff_id,
            called_on=call.called_on, kind=call.kind, note=call.note, created_at=call.created_at,
        )  # fmt: skip


class CallsRead(BaseModel):
    """A contract's calls and where it stands against the two expected ones."""

    contract_id: int
    calls: list[CallRead]
    first_due_on: date | None  # the 1/3 mark
    second_due_on: date | None  # the 2/3 mark
    calls_missing: int
