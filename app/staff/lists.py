"""Staff lists of volunteers and newcomers: search, status filter, pagination."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.config import CityProfile
from app.deps import CityDep, PageStaff, SessionDep
from app.people import service as people
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer
from app.programme.states import NEWCOMER_LABELS, VOLUNTEER_LABELS, NewcomerState, VolunteerState
from app.staff.context import page_context
from app.web.templating import render

router = APIRouter()

PAGE_SIZE = 25


def _list_page(
    request: Request,
    session: Session,
    city: CityProfile,
    kind: str,
    q: str,
    status: str,
    page: str,
    state: str = "",
) -> Response:
    states_: list[str] = [
        s.value for s in (VolunteerState if kind == "volunteer" else NewcomerState)
    ]
    in_state = state if state in states_ else ""
    statuses: list[str] = [
        s.value for s in (VettingStatus if kind == "volunteer" else IntakeStatus)
    ]
    chosen = status if status in statuses else ""
    # Bounded, so a silly page number cannot overflow the database's OFFSET.
    number = min(int(page), 10_000) if page.isdigit() and int(page) > 0 else 1
    offset = (number - 1) * PAGE_SIZE
    words = q.strip() or None
    items: list[Volunteer] | list[Newcomer]
    if kind == "volunteer":
        vetting = VettingStatus(chosen) if chosen else None
        items, total = people.list_volunteers(
            session, status=vetting, q=words, limit=PAGE_SIZE, offset=offset,
            state=VolunteerState(in_state) if in_state else None,
        )  # fmt: skip
    else:
        intake = IntakeStatus(chosen) if chosen else None
        items, total = people.list_newcomers(
            session, status=intake, q=words, limit=PAGE_SIZE, offset=offset,
            state=NewcomerState(in_state) if in_state else None,
        )  # fmt: skip
    pages = max(1, -(-total // PAGE_SIZE))

    def page_url(n: int) -> str:
        given = (("q", q.strip()), ("status", chosen), ("state", in_state))
        params = {k: v for k, v in given if v}
        return f"/staff/{kind}s?" + urlencode({**params, "page": n})

    context = page_context(
        request,
        city,
        kind=kind,
        items=items,
        total=total,
        q=q,
        status=chosen,
        statuses=statuses,
        state=in_state,
        states=states_,
        state_labels=VOLUNTEER_LABELS if kind == "volunteer" else NEWCOMER_LABELS,
        page=number,
        pages=pages,
        first=offset + 1 if items else 0,
        last=offset + len(items),
        prev_url=page_url(number - 1) if number > 1 else None,
        next_url=page_url(number + 1) if number < pages else None,
    )
    return render(request, "staff/people_list.html", context)


@router.get("/volunteers")
def volunteers(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    q: str = "",
    status: str = "",
    page: str = "1",
    state: str = "",
) -> Response:
    return _list_page(request, session, city, "volunteer", q, status, page, state)


@router.get("/newcomers")
def newcomers(
    request: Request,
    session: SessionDep,
    staff: PageStaff,
    city: CityDep,
    q: str = "",
    status: str = "",
    page: str = "1",
    state: str = "",
) -> Response:
    return _list_page(request, session, city, "newcomer", q, status, page, state)
