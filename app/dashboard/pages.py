"""Staff monitoring pages: the programme dashboard and the list of pairs to call.

The filter form is a plain GET form (bookmarkable, no JavaScript); a bad value is shown beside
its field and the numbers fall back to that field's default, so the page is never empty.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.contracts.models import EndReason
from app.contracts.pages import END_REASON_LABELS
from app.contracts.rules import local_date
from app.dashboard import charts, filters, lists, service
from app.db import utcnow
from app.deps import CityDep, PageStaff, SessionDep
from app.i18n.catalog import N_, gettext
from app.matches.reasons import slot_label
from app.staff.context import formatters
from app.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)

PIPELINE = (
    ("waiting", N_("Waiting for a panel")),
    ("panel", N_("Choosing from a panel")),
    ("pending", N_("Waiting for signatures")),
    ("active", N_("Meeting (active)")),
    ("completed", N_("Completed in the period")),
    ("ended_early", N_("Ended early in the period")),
)
# A phone-friendly page: the most urgent pairs; the API and the CSV export have them all.
PAIRS_SHOWN = 200
COHORT_PARTS = (N_("Completed"), N_("Ended early"), N_("Still running"))
ENTRY_PARTS = (N_("Completed"), N_("Meeting (active)"), N_("Ended early"), N_("Not matched yet"))


def _numbers(locale: str) -> dict[str, Any]:
    def pct(value: float | None) -> str:
        return format_percent(value, format="#,##0%", locale=locale) if value is not None else "—"

    def num(value: float | int | None, pattern: str = "#,##0.#") -> str:
        return format_decimal(value, format=pattern, locale=locale) if value is not None else "—"

    return {"pct": pct, "num": num}


def _month_name(month: str, locale: str) -> str:
    """``2026-07`` → "Jul 2026" / "jul 2026" / "يوليو 2026": the reader's month, not ISO."""
    year, _, number = month.partition("-")
    return format_date(date(int(year), int(number), 1), "MMM y", locale=locale)


def _pipeline(stats: service.Stats) -> list[tuple[str, str, int]]:
    values = {
        "waiting": stats.newcomers_waiting, "panel": stats.open_panels,
        "pending": stats.pending_contracts, "active": stats.active_pairs,
        "completed": stats.completed, "ended_early": stats.ended_early,
    }  # fmt: skip
    return [(key, label, values[key]) for key, label in PIPELINE]


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, staff: PageStaff, city: CityDep) -> Response:
    locale: str = request.state.locale
    now = utcnow()
    params = request.query_params
    chosen, problems = filters.check(
        city, local_date(now, city.timezone),
        params.get("from"), params.get("to"), params.get("neighbourhood"),
    )  # fmt: skip
    stats = service.programme_stats(session, city, chosen, now)
    fmt = formatters(request, city)
    pipeline = _pipeline(stats)
    weeks = charts.columns(
        [(fmt["day"](w.monday), [w.meetings]) for w in stats.weeks], label_every=4
    )
    cohorts = charts.columns(
        [
            (_month_name(c.month, locale), [c.completed, c.ended_early, c.running])
            for c in stats.cohorts
        ],
        titles=[gettext(locale, p) for p in COHORT_PARTS],
    )
    entries = charts.columns(
        [(_month_name(e.month, locale), [e.completed, e.active, e.ended_early, e.not_matched])
         for e in stats.entry_cohorts],
        titles=[gettext(locale, p) for p in ENTRY_PARTS],
    )
    typed = {key: params.get(key, "") for key in ("from", "to", "neighbourhood")}
    return render(
        request,
        "dashboard/index.html",
        {
            **fmt,
            **_numbers(locale),
            "stats": stats,
            "filters": chosen,
            "typed": typed if problems else chosen.query(),
            "errors": {k: gettext(locale, v) for k, v in problems.items()},
            "query": urlencode(chosen.query()),
            "pipeline": pipeline,
            "pipeline_chart": charts.rows(
                [(gettext(locale, label), n) for _, label, n in pipeline]
            ),
            "weeks_chart": weeks,
            "cohorts_chart": cohorts,
            "cohort_parts": COHORT_PARTS,
            "entries_chart": entries,
            "entry_parts": ENTRY_PARTS,
            "end_reasons": {**END_REASON_LABELS, EndReason.erased: N_("Personal data erased")},
            "goal": city.participation_hours_goal,
            "month_name": lambda month: _month_name(month, locale),
            "slot_name": lambda slot: slot_label(slot, locale),
        },
        status_code=422 if problems else 200,
    )


@router.get("/dashboard/pairs")
def pairs(request: Request, session: SessionDep, staff: PageStaff, city: CityDep) -> Response:
    """Pairs at risk, and pairs lacking their expected staff calls, with what to do next."""
    today = local_date(utcnow(), city.timezone)
    chosen, problems = filters.check(
        city, today, None, None, request.query_params.get("neighbourhood")
    )
    locale: str = request.state.locale
    at_risk, missing_calls = lists.pairs_to_call(session, city, today, chosen.neighbourhood)
    return render(
        request,
        "dashboard/pairs.html",
        {
            **formatters(request, city),
            "filters": chosen,
            "errors": {k: gettext(locale, v) for k, v in problems.items()},
            "at_risk": at_risk,
            "missing_calls": missing_calls,
            "shown": PAIRS_SHOWN,
        },
        status_code=422 if problems else 200,
    )
