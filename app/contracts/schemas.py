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
from app.programme.states import carries_on

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


class CarryingOnIn(_Strict):
    carrying_on: bool


class ExtensionRead(BaseModel):
    """The one extension: a waiting proposal (``proposed_by``, ``proposed_at``), or the agreed
    one (``accepted_at``, ``months`` added, ``extended_from`` the end date before it)."""

    proposed_by: Literal["newcomer", "volunteer"] | None
    proposed_at: datetime | None
    accepted_at: datetime | None
    months: int
    extended_from: date | None


class CarryingOnRead(BaseModel):
    """Either side's word that the pair carries on as friends after the end."""

    as_friends: bool
    newcomer_said_at: datetime | None
    volunteer_said_at: datetime | None


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
    extension: ExtensionRead
    carrying_on: CarryingOnRead

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
            extension=ExtensionRead(
                proposed_by="newcomer" if contract.extension_proposed_by == "newcomer"
                else "volunteer" if contract.extension_proposed_by else None,
                proposed_at=contract.extension_proposed_at,
                accepted_at=contract.extension_accepted_at,
                months=contract.extended_months,
                extended_from=contract.extended_from,
            ),
            carrying_on=CarryingOnRead(
                as_friends=carries_on(contract.status, contract.newcomer_carrying_on_at,
                                      contract.volunteer_carrying_on_at),
                newcomer_said_at=contract.newcomer_carrying_on_at,
                volunteer_said_at=contract.volunteer_carrying_on_at,
            ),
        )  # fmt: skip
