"""The inbox on /me: the list, one message (marked read when opened), and the SMS choice."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import CityDep, PageUser, SessionDep, SettingsDep
from app.errors import Invalid, NotFound
from app.i18n.catalog import gettext
from app.inbox import service
from app.staff.context import formatters
from app.web.templating import error_page, redirect, render

router = APIRouter(prefix="/me/messages", include_in_schema=False)


@router.get("")
def inbox(
    request: Request, session: SessionDep, user: PageUser, city: CityDep, settings: SettingsDep
) -> Response:
    messages = service.messages_of(session, user.id)
    return render(
        request,
        "inbox/list.html",
        {
            **formatters(request, city),
            "messages": messages,
            "outdated": {m.id for m in messages if service.outdated_reason(session, m)},
            "account": user,
            "sms_possible": bool(settings.sms_url) and bool(user.phone),
            "saved": request.query_params.get("saved"),
            "errors": {},
        },
    )


@router.get("/{message_id:int}")
def message_page(
    request: Request, session: SessionDep, user: PageUser, city: CityDep, message_id: int
) -> Response:
    try:
        message = service.open_message(session, user.id, message_id)
    except NotFound as exc:
        return error_page(request, 404, gettext(request.state.locale, exc.message))
    # The navigation's count was taken before this message was marked read.
    viewer = request.state.user
    request.state.user = replace(viewer, unread=service.unread_count(session, user.id))
    return render(
        request,
        "inbox/message.html",
        {
            **formatters(request, city),
            "message": message,
            "outdated": service.outdated_reason(session, message) is not None,
        },
    )


@router.post("/alerts")
def alerts(
    request: Request,
    session: SessionDep,
    user: PageUser,
    sms_alerts: Annotated[str, Form()] = "",
) -> Response:
    try:
        service.set_sms_alerts(user, sms_alerts == "on")
    except Invalid as exc:
        return error_page(request, 422, gettext(request.state.locale, exc.message))
    return redirect("/me/messages?saved=1")
