"""Staff see the mail that could not be delivered (and what is still waiting), and may send a
failed message again once the cause is fixed (a typo in an address, a server outage)."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.db import utcnow
from app.deps import CityDep, PageStaff, SessionDep
from app.notifications.models import EmailStatus, OutboxEmail
from app.staff.context import formatters
from app.web.templating import redirect, render

router = APIRouter(prefix="/staff/mail", include_in_schema=False)
_outbox = cast(Table, OutboxEmail.__table__)
SHOWN = 100


def _listing(session: Session, status: EmailStatus) -> list[OutboxEmail]:
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.status == status)
        .order_by(OutboxEmail.next_attempt_at.desc(), OutboxEmail.id.desc())
        .limit(SHOWN)
    )
    return list(session.scalars(stmt))


@router.get("")
def mail(request: Request, session: SessionDep, staff: PageStaff, city: CityDep) -> Response:
    counts = {
        status.value: int(n)
        for status, n in session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        )
    }
    return render(
        request,
        "dashboard/mail.html",
        {
            **formatters(request, city),
            "counts": counts,
            "failed": _listing(session, EmailStatus.failed),
            "queued": _listing(session, EmailStatus.queued),
            "dropped": _listing(session, EmailStatus.dropped),
            "retried": request.query_params.get("retried"),
        },
    )


@router.post("/{email_id:int}/retry")
def retry(email_id: int, session: SessionDep, staff: PageStaff) -> Response:
    """A failed message goes back to the queue with fresh attempts; ``buddy send-mail`` (or the
    next ``buddy tick``) sends it."""
    result = session.execute(
        update(_outbox)
        .where(_outbox.c.id == email_id, _outbox.c.status == EmailStatus.failed.value)
        .values(status=EmailStatus.queued.value, attempts=0, next_attempt_at=utcnow())
    )
    if cast(Any, result).rowcount == 1:
        record(session, actor_id=staff.id, action="mail.retried", subject_type="outbox_email",
               subject_id=email_id)  # fmt: skip
    return redirect(f"/staff/mail?retried={email_id}")
