"""The hours pages: the staff's report (HTML and CSV), the statement PDF (the newcomer's own
from /me, any newcomer's for staff), and the public page where a counsellor checks a code."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from app.audit.service import record
from app.auth import throttle
from app.auth.models import AttemptKind, User
from app.auth.router import client_ip
from app.checkins import labels
from app.checkins.queries import today_in
from app.checkins.rules import hours
from app.config import Settings
from app.contracts.downloads import attachment
from app.db import utcnow
from app.deps import MaybePageUser, PageNewcomer, PageStaff, SessionDep, SettingsDep
from app.errors import Throttled
from app.exports import service as exports
from app.hours import service, signing
from app.hours.pdf import month_name, statement_locale, statement_pdf
from app.i18n.catalog import N_, gettext
from app.people.models import Newcomer, Person
from app.people.pages import add_me_section
from app.people.service import person_for_user
from app.staff.context import formatters
from app.web.templating import error_page, not_found, render

router = APIRouter(include_in_schema=False)
# A phone-friendly page: the first newcomers by name; the CSV and the API have them all (a
# city's year can be thousands of newcomers).
SHOWN = 300


# --- staff ----------------------------------------------------------------------------------


@router.get("/staff/hours")
def staff_report(
    request: Request, session: SessionDep, staff: PageStaff, settings: SettingsDep
) -> Response:
    city = settings.city
    locale: str = request.state.locale
    params = request.query_params
    start, end, problems = service.check_range(today_in(city), params.get("from"),
                                               params.get("to"))  # fmt: skip
    chosen = {"from": start.isoformat(), "to": end.isoformat()}
    lines = service.report(session, start, end)
    context = {
        **formatters(request, city),
        "lines": lines[:SHOWN],
        "total": len(lines),
        "start": start,
        "end": end,
        "typed": {k: params.get(k, "") for k in ("from", "to")} if problems else chosen,
        "errors": {k: gettext(locale, v) for k, v in problems.items()},
        "query": urlencode(chosen),
        "month": lambda first: month_name(first, locale),
        "hours": lambda minutes: labels.hours_text(hours(minutes), locale),
    }
    return render(request, "hours/staff.html", context)


def csv_download(session: Session, staff: User, start: date, end: date) -> StreamingResponse:
    """The report as CSV (the same numbers as the page), audited like every export. The report
    is built before the response (the request's session closes before a body streams); it has
    one row per newcomer and month, which stays small."""
    period: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    record(session, actor_id=staff.id, action="export.csv", subject_type="programme",
           subject_id=None, kind="hours", **period)  # fmt: skip
    rows = list(service.csv_rows(service.report(session, start, end)))
    name = f"hours-{start.isoformat()}-{end.isoformat()}.csv"
    return StreamingResponse(
        exports.csv_chunks(service.CSV_COLUMNS, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@router.get("/staff/hours.csv")
def staff_csv(
    request: Request, session: SessionDep, staff: PageStaff, settings: SettingsDep
) -> Response:
    params = request.query_params
    start, end, problems = service.check_range(today_in(settings.city), params.get("from"),
                                               params.get("to"))  # fmt: skip
    if problems:
        field, msgid = next(iter(problems.items()))
        return error_page(request, 422, f"{field}: {gettext(request.state.locale, msgid)}")
    return csv_download(session, staff, start, end)


def pdf_download(
    request: Request, session: Session, settings: Settings, newcomer: Newcomer
) -> Response:
    """The newcomer's statement for ``?from=&to=`` (default: this year so far), issued today."""
    city = settings.city
    today = today_in(city)
    params = request.query_params
    start, end, problems = service.check_range(today, params.get("from"), params.get("to"),
                                               until_today=True)  # fmt: skip
    if problems:
        field, msgid = next(iter(problems.items()))
        return error_page(request, 422, f"{field}: {gettext(request.state.locale, msgid)}")
    claim = signing.Claim(newcomer.id, start, end, today)
    found = service.statement(session, newcomer, claim, secret_key=settings.resolved_secret_key())
    return pdf_response(settings, newcomer, found)


def pdf_response(settings: Settings, newcomer: Newcomer, found: service.Statement) -> Response:
    city = settings.city
    body = statement_pdf(found, city=city, locale=statement_locale(newcomer, city),
                         base_url=settings.base_url)  # fmt: skip
    response = attachment(body, "application/pdf", f"hours-statement-{found.start.year}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/staff/hours/{newcomer_id:int}/statement.pdf")
def staff_statement(
    newcomer_id: int, request: Request, session: SessionDep, staff: PageStaff,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    newcomer = session.get(Newcomer, newcomer_id)
    if newcomer is None or newcomer.erased_at is not None:
        return not_found(request)
    record(session, actor_id=staff.id, action="hours.statement", subject_type="newcomer",
           subject_id=newcomer.id)  # fmt: skip
    return pdf_download(request, session, settings, newcomer)


# --- the newcomer ---------------------------------------------------------------------------


@router.get("/me/hours.pdf")
def my_statement(
    request: Request, session: SessionDep, user: PageNewcomer, settings: SettingsDep
) -> Response:
    newcomer = person_for_user(session, user)
    if not isinstance(newcomer, Newcomer):
        return not_found(request)
    return pdf_download(request, session, settings, newcomer)


def _me_section(
    request: Request, session: Session, user: User, person: Person
) -> dict[str, Any] | None:
    """A statement link per year with confirmed hours: this year's and last year's (in
    January a counsellor still asks for the year before). None without any."""
    if not isinstance(person, Newcomer):
        return None
    today = today_in(request.app.state.settings.city)
    links = []
    for year in (today.year, today.year - 1):
        first, last = date(year, 1, 1), min(date(year, 12, 31), today)
        if service.has_confirmed(session, person.id, first, last):
            query = "" if year == today.year else urlencode(
                {"from": first.isoformat(), "to": last.isoformat()})  # fmt: skip
            links.append({"year": year, "query": query})
    return {"links": links} if links else None


add_me_section("hours/_me_section.html", _me_section)


# --- the counsellor's check -----------------------------------------------------------------


@router.get("/verify/hours")
def verify_form(request: Request, viewer: MaybePageUser) -> Response:
    return render(request, "hours/verify.html", {"code": "", "errors": {}, "found": None})


@router.post("/verify/hours")
def verify_submit(
    request: Request,
    viewer: MaybePageUser,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    locale: str = request.state.locale
    ip = client_ip(request)
    context: dict[str, Any] = {"code": code, "errors": {}, "found": None}
    # Wrong codes count per address, with the limit of the desk's setup codes: an 80-bit code
    # cannot be guessed anyway, but a flood of guesses is refused early and shows in the log.
    try:
        throttle.raise_if_locked(throttle.address_lock(
            session, ip, AttemptKind.verify, settings.setup_code_max_failures_address,
            timedelta(minutes=settings.login_window_minutes), utcnow(),
        ))  # fmt: skip
    except Throttled as exc:
        context["errors"] = {"code": gettext(locale, exc.message, **exc.params)}
        response = render(request, "hours/verify.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    found = service.verify(session, code, secret_key=settings.resolved_secret_key())
    if found is None:
        throttle.record(session, "", ip, False, AttemptKind.verify)
        context["errors"] = {"code": gettext(locale, NO_SUCH_STATEMENT)}
        return render(request, "hours/verify.html", context, status_code=404)
    context.update(
        found=found,
        month=lambda first: month_name(first, locale),
        hours=lambda minutes: labels.hours_text(hours(minutes), locale),
    )
    response = render(request, "hours/verify.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


NO_SUCH_STATEMENT = N_(
    "We cannot confirm a statement with this code. Check the code. If the statement is older, "
    "the hours may have changed since: ask the newcomer for a new statement."
)
