"""Staff page: both sides' evaluations summarised per period and neighbourhood, with a chart.

A plain GET form (bookmarkable, no JavaScript) like the dashboard's; comments are listed only
after "Show the written comments" (``comments=1``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.checkins.models import Party
from app.dashboard import charts, filters
from app.deps import CityDep, PageStaff, SessionDep
from app.evaluations import summary
from app.evaluations.models import GoalsMet
from app.evaluations.pages import GOALS_LABELS
from app.exports.router import today_in
from app.i18n.catalog import N_, gettext
from app.staff.context import formatters
from app.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)

SIDES = ((Party.newcomer, N_("Newcomers")), (Party.volunteer, N_("Volunteers")))


@router.get("/evaluations")
def evaluations(request: Request, session: SessionDep, staff: PageStaff, city: CityDep
                ) -> Response:
    locale: str = request.state.locale
    params = request.query_params
    chosen, problems = filters.check(
        city, today_in(city), params.get("from"), params.get("to"), params.get("neighbourhood"))
    comments = params.get("comments") == "1"
    found = summary.summarise(session, city, chosen, comments=comments)
    chart = charts.columns(
        [(str(score), [found.sides[side].scores[score] for side, _ in SIDES])
         for score in summary.SCORES],
        titles=[gettext(locale, label) for _, label in SIDES],
    )
    typed = {k: params.get(k, "") for k in ("from", "to", "neighbourhood")}
    return render(
        request,
        "evaluations/summary.html",
        {
            **formatters(request, city),
            "summary": found,
            "sides": SIDES,
            "goals": [(g, GOALS_LABELS[g]) for g in GoalsMet],
            "chart": chart,
            "filters": chosen,
            "typed": typed if problems else chosen.query(),
            "errors": {k: gettext(locale, v) for k, v in problems.items()},
            "query": urlencode(chosen.query()),
            "comments": comments,
        },
        status_code=422 if problems else 200,
    )
