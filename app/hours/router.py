"""Hours API: the staff's report (JSON and CSV), any newcomer's statement PDF for staff, and
the newcomer's own statement (data and PDF)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth.models import Role, User
from app.checkins.queries import today_in
from app.config import Settings
from app.dashboard.router import From, To
from app.deps import ApiStaff, ApiUser, SessionDep, SettingsDep
from app.errors import Forbidden, NotFound
from app.hours import service, signing
from app.hours.pages import csv_download, pdf_response
from app.hours.pdf import VERIFY_PATH
from app.hours.schemas import HoursReportRead, NewcomerHoursRead, StatementRead
from app.i18n.catalog import N_
from app.people.models import Newcomer
from app.people.service import person_for_user

router = APIRouter(prefix="/api/v1", tags=["programme"])

_ERRORS: dict[int | str, dict[str, object]] = {
    403: {"description": "Not for your role"},
    404: {"description": "No such newcomer (or no profile)"},
    422: {"description": "Bad parameter; `field` names it"},
}
_PDF: dict[int | str, dict[str, object]] = {200: {"content": {"application/pdf": {}}}, **_ERRORS}


@router.get("/hours", response_model=HoursReportRead, responses=_ERRORS)
def hours_report(
    staff: ApiStaff, session: SessionDep, settings: SettingsDep, from_: From = None,
    to: To = None,
) -> HoursReportRead:  # fmt: skip
    """Confirmed meetings and hours per newcomer and month (default: this year so far), with
    the civic-integration file number where recorded. Staff only."""
    start, end = service.parse_range(today_in(settings.city), from_, to)
    lines = service.report(session, start, end)
    return HoursReportRead.model_validate(
        {"from": start, "to": end, "newcomers": [NewcomerHoursRead.build(x) for x in lines]}
    )


@router.get("/hours.csv", response_class=StreamingResponse, responses={
    200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV (with a byte-order mark)"},
    **_ERRORS})  # fmt: skip
def hours_csv(
    staff: ApiStaff, session: SessionDep, settings: SettingsDep, from_: From = None,
    to: To = None,
) -> StreamingResponse:  # fmt: skip
    """The same numbers as CSV: one row per newcomer and month with confirmed meetings."""
    start, end = service.parse_range(today_in(settings.city), from_, to)
    return csv_download(session, staff, start, end)


def _statement(
    session: Session, settings: Settings, newcomer: Newcomer, raw_from: str | None,
    raw_to: str | None,
) -> service.Statement:  # fmt: skip
    today = today_in(settings.city)
    start, end = service.parse_range(today, raw_from, raw_to, until_today=True)
    claim = signing.Claim(newcomer.id, start, end, today)
    return service.statement(session, newcomer, claim, secret_key=settings.resolved_secret_key())


def _own(session: Session, user: User) -> Newcomer:
    if user.role is not Role.newcomer:
        raise Forbidden(N_("The statement of hours is the newcomer's."))
    person = person_for_user(session, user)
    if not isinstance(person, Newcomer):
        raise NotFound(N_("You have no profile yet."))
    return person


@router.get("/hours/{newcomer_id:int}/statement.pdf", responses=_PDF)
def staff_statement_pdf(
    newcomer_id: int, staff: ApiStaff, session: SessionDep, settings: SettingsDep,
    from_: From = None, to: To = None,
) -> Response:  # fmt: skip
    """A newcomer's signed statement of confirmed hours (default: this year so far), in the
    newcomer's language. Staff only."""
    newcomer = session.get(Newcomer, newcomer_id)
    if newcomer is None or newcomer.erased_at is not None:
        raise NotFound(N_("No such newcomer."))
    record(session, actor_id=staff.id, action="hours.statement", subject_type="newcomer",
           subject_id=newcomer.id)  # fmt: skip
    return pdf_response(settings, newcomer, _statement(session, settings, newcomer, from_, to))


@router.get("/me/hours", response_model=StatementRead, responses=_ERRORS)
def my_statement(
    request: Request, user: ApiUser, session: SessionDep, settings: SettingsDep,
    from_: From = None, to: To = None,
) -> StatementRead:  # fmt: skip
    """Your statement of confirmed hours (newcomers; default: this year so far): per month,
    your contracts in the period, and the verification code your counsellor can check."""
    newcomer = _own(session, user)
    found = _statement(session, settings, newcomer, from_, to)
    return StatementRead.build(found, settings.base_url.rstrip("/") + VERIFY_PATH)


@router.get("/me/hours.pdf", responses=_PDF)
def my_statement_pdf(
    user: ApiUser, session: SessionDep, settings: SettingsDep, from_: From = None, to: To = None
) -> Response:
    """Your statement as a PDF in your language, to hand to your counsellor (newcomers)."""
    newcomer = _own(session, user)
    return pdf_response(settings, newcomer, _statement(session, settings, newcomer, from_, to))
