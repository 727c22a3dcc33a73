"""Contract API shapes. A party sees the other's first name and languages; contact details
only once both have signed; private notes on why it ended only the staff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.config import Cadence
from app.contracts.models import Contract, ContractStatus, EndReason
from app.contracts.rules import contact_visible
from app.people.models import Person

FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(_Strict):
    full_name: FullName
    start_date: date | None = None


class DeclineIn(_Strict):
    reason: Reason


class EndIn(_Strict):
    reason: EndReason
    note: Note = ""


class PartyRead(BaseModel):
    id: int
    first_name: str
    languages: list[str]
    signed_name: str | None
    signed_at: datetime | None
    email: str | None = None
    phone: str | None = None


class ContractRead(BaseModel):
    id: int
    status: ContractStatus
    cadence: Cadence
    months: int
    meeting_slot: str | None
    requested_start_date: date | None
    start_date: date | None
    end_date: date | None
    created_at: datetime
    your_side: Literal["newcomer", "volunteer"] | None
    newcomer: PartyRead
    volunteer: PartyRead
    ended_at: datetime | None
    end_reason: EndReason | None
    end_note: str | None = None

    @classmethod
    def build(cls, contract: Contract, *, side: str | None, staff: bool) -> ContractRead:
        share = staff or contact_visible(contract.status)

        def party(person: Person, prefix: str, own: bool) -> PartyRead:
            return PartyRead(
                id=person.id,
                first_name=person.first_name,
                languages=[lang.code for lang in person.languages],
                signed_name=getattr(contract, f"{prefix}_signed_name"),
                signed_at=getattr(contract, f"{prefix}_signed_at"),
                email=person.user.email if (share or own) else None,
                phone=person.phone if (share or own) else None,
            )

        return cls(
            id=contract.id,
            status=contract.status,
            cadence=contract.cadence,
            months=contract.months,
            meeting_slot=contract.meeting_slot,
            requested_start_date=contract.requested_start_date,
            start_date=contract.start_date,
            end_date=contract.end_date,
            created_at=contract.created_at,
            your_side="newcomer" if side == "newcomer" else "volunteer" if side else None,
            newcomer=party(contract.newcomer, "newcomer", side == "newcomer"),
            volunteer=party(contract.volunteer, "volunteer", side == "volunteer"),
            ended_at=contract.ended_at,
            end_reason=contract.end_reason,
            end_note=contract.end_note if staff else None,
        )
