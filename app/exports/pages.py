"""The CSV exports as links on the staff dashboard (session cookie instead of a bearer token)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.dashboard import filters
from app.deps import CityDep, PageStaff, SessionDep
from app.exports.router import KINDS, csv_response, today_in
from app.i18n.catalog import gettext
from app.web.templating import error_page

router = APIRouter(prefix="/staff/exports", include_in_schema=False)


@router.get("/{kind}.csv")
def export(
    request: Request, kind: str, staff: PageStaff, city: CityDep, session: SessionDep
) -> Response:
    if kind not in KINDS:
        message = gettext(request.state.locale, "Not Found")
        return error_page(request, 404, message)
    params = request.query_params
    chosen, problems = filters.check(
        city, today_in(city), params.get("from"), params.get("to"), params.get("neighbourhood")
    )
    if problems:
        field, msgid = next(iter(problems.items()))
        message = f"{field}: {gettext(request.state.locale, msgid)}"
        return error_page(request, 422, message)
    return csv_response(request, kind, city, chosen, session=session, staff=staff)
