"""The hours API's answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.contracts.models import ContractStatus
from app.hours.rules import Period
from app.hours.service import NewcomerHours, Statement


class PeriodRead(BaseModel):
    period: str = Field(description="The month, YYYY-MM")
    first_day: date = Field(description="The month's first day inside the chosen range")
    last_day: date = Field(description="The month's last day inside the chosen range")
    confirmed_meetings: int
    confirmed_minutes: int
    confirmed_hours: float = Field(description="Rounded down to a tenth")

    @classmethod
    def build(cls, p: Period) -> PeriodRead:
        return cls(period=p.month, first_day=p.first, last_day=p.last,
                   confirmed_meetings=p.meetings, confirmed_minutes=p.minutes,
                   confirmed_hours=p.hours)  # fmt: skip


class NewcomerHoursRead(BaseModel):
    newcomer_id: int
    name: str
    file_number: str | None = Field(description="Civic-integration file number, if recorded")
    periods: list[PeriodRead] = Field(description="Months with confirmed meetings")
    confirmed_meetings: int
    confirmed_minutes: int

    @classmethod
    def build(cls, line: NewcomerHours) -> NewcomerHoursRead:
        return cls(newcomer_id=line.newcomer_id, name=line.name, file_number=line.file_number,
                   periods=[PeriodRead.build(p) for p in line.periods],
                   confirmed_meetings=line.meetings, confirmed_minutes=line.minutes)  # fmt: skip


class HoursReportRead(BaseModel):
    from_: date = Field(alias="from")
    to: date
    newcomers: list[NewcomerHoursRead]


class PairRead(BaseModel):
    contract_id: int
    buddy_first_name: str
    start_date: date | None
    end_date: date | None
    status: ContractStatus


class StatementRead(BaseModel):
    """The newcomer's own statement: what the PDF says, with its verification code."""

    newcomer_id: int
    name: str
    file_number: str | None
    from_: date = Field(alias="from")
    to: date
    issued_on: date
    periods: list[PeriodRead] = Field(description="Every month of the period")
    confirmed_meetings: int
    confirmed_minutes: int
    pairs: list[PairRead] = Field(description="Contracts with confirmed meetings in the period")
    verification_code: str
    verify_url: str

    @classmethod
    def build(cls, found: Statement, verify_url: str) -> StatementRead:
        return cls.model_validate({
            "newcomer_id": found.newcomer_id, "name": found.name,
            "file_number": found.file_number, "from": found.start, "to": found.end,
            "issued_on": found.issued_on, "periods": [PeriodRead.build(p) for p in found.periods],
            "confirmed_meetings": found.meetings, "confirmed_minutes": found.minutes,
            "pairs": [PairRead(contract_id=p.contract_id, buddy_first_name=p.buddy,
                               start_date=p.start_date, end_date=p.end_date, status=p.status)
                      for p in found.pairs],
            "verification_code": found.code, "verify_url": verify_url,
        })  # fmt: skip
