"""The landing page: what the programme is, and the way in for each kind of user."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.auth.pages import home_for
from app.deps import MaybePageUser
from app.web.templating import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: MaybePageUser) -> Response:
    if user is not None:
        return redirect(home_for(user))
    return render(request, "web/home.html")
