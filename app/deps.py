"""The ``Annotated`` dependencies every router and page uses.

API requests authenticate with a bearer token only; pages with the session cookie only. Keeping
the two apart means cookie-borne CSRF can never reach the JSON API.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.auth.models import AuthToken, Role, TokenKind, User
from app.auth.service import active_token, user_for_token
from app.config import CityProfile, Settings
from app.db import finish
from app.i18n.catalog import LOCALE_COOKIE, N_, choose_api_locale, choose_locale, staff_locale
from app.inbox import service as inbox

SESSION_COOKIE = "buddy_session"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_city(request: Request) -> CityProfile:
    return get_settings(request).city


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work (``session_scope``'s rules: commit once at the end, roll back
    on any error), in one thread hand-over instead of two: making a ``Session`` does no I/O
    (it connects at its first query), so only the ending runs in a worker thread."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException:
        await _finish_in_own_thread(session, commit=False)
        raise
    await _finish_in_own_thread(session, commit=True)


async def _finish_in_own_thread(session: Session, *, commit: bool) -> None:
    # Outside the shared thread limit, as FastAPI does for a sync dependency's exit: when every
    # worker thread waits for a pooled connection, the ending that gives one back must still
    # get a thread.
    await anyio.to_thread.run_sync(
        functools.partial(finish, session, commit=commit), limiter=anyio.CapacityLimiter(1)
    )


# FastAPI runs a plain ``def`` dependency in the thread pool: a hand-over to a worker thread
# and back, for each one, on every request. Dependencies that only read the request or
# check what an earlier one loaded (no I/O) are ``async def`` below, so they run inline.


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _city(request: Request) -> CityProfile:
    return get_city(request)


SettingsDep = Annotated[Settings, Depends(_settings)]
CityDep = Annotated[CityProfile, Depends(_city)]
# scope="function": commit (or roll back) before the response leaves, so a failed commit can
# never be reported to the client as a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def request_locale(request: Request, user: User | None = None) -> str:
    city = get_city(request)
    locale = choose_locale(
        city.locales,
        city.default_locale,
        user_locale=user.locale if user else None,
        cookie=request.cookies.get(LOCALE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
    request.state.locale = locale
    return locale


def api_locale(request: Request, user: User | None = None) -> str:
    """The API's answer language (see ``choose_api_locale``), kept for the error handlers."""
    city = get_city(request)
    locale = choose_api_locale(
        city.locales, request.headers.get("accept-language"), user.locale if user else None
    )
    request.state.locale = locale
    return locale


# --- API (bearer token) -------------------------------------------------------------------

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def api_user(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> User:
    # Staff API tokens are issued only by /api/v1/auth/token after the second factor (they are
    # marked ``second_factor``); no other way issues one.
    user = user_for_token(session, token, TokenKind.api) if token else None
    if user is None:
        api_locale(request)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=N_("Not authenticated."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    api_locale(request, user)
    return user


async def api_staff(request: Request, user: Annotated[User, Depends(api_user)]) -> User:
    if user.role is not Role.staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=N_("Only staff can do this."))
    _staff_locale(request)
    return user


def _staff_locale(request: Request) -> None:
    """Staff pages and answers speak one of STAFF_LOCALES: a desk computer left on Tigrinya by
    a newcomer, or a staff member who chose Somali, gets the city's default language there."""
    request.state.locale = staff_locale(request.state.locale, get_city(request).default_locale)


def optional_api_user(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> User | None:
    """For endpoints open to anyone (registration), but a token that *is* sent must be valid:
    silently ignoring a bad staff token would register a welcome-desk newcomer as
    self-registered."""
    if token is None:
        api_locale(request)
        return None
    return api_user(request, session, token)


ApiUser = Annotated[User, Depends(api_user)]
ApiStaff = Annotated[User, Depends(api_staff)]
MaybeApiUser = Annotated[User | None, Depends(optional_api_user)]


# --- Pages (session cookie) ---------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What a page's layout needs to know about who is looking.

    A plain snapshot rather than the ORM ``User``: error pages render after the request's
    session has rolled back and closed, when the ORM object can no longer load attributes.
    """

    id: int
    role: Role
    email: str | None
    locale: str
    unread: int = 0  # unread inbox messages, for the count in the navigation


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the login page."""


class PageForbidden(Exception):
    """A logged-in user opened a page of another role."""


class SecondFactorRequired(Exception):
    """A staff member has given the password but not yet the second factor in this session;
    the app answers with a redirect to the code page (or to enrolment)."""


def idle_limit(settings: Settings) -> Callable[[Role], timedelta]:
    def limit(role: Role) -> timedelta:
        minutes = (
            settings.staff_session_idle_minutes
            if role is Role.staff
            else settings.session_idle_minutes
        )
        return timedelta(minutes=minutes)

    return limit


def session_token(request: Request, session: Session) -> tuple[AuthToken, User] | None:
    """The browser session behind the cookie (idle sessions have ended), whatever its state."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    return active_token(session, raw, TokenKind.session, idle=idle_limit(get_settings(request)))


def page_user_optional(request: Request, session: SessionDep) -> User | None:
    found = session_token(request, session)
    user = found[1] if found else None
    request.state.user = (
        Viewer(id=user.id, role=user.role, email=user.email, locale=user.locale,
               unread=inbox.unread_count(session, user.id) if user.role is not Role.staff else 0)
        if user
        else None
    )  # fmt: skip
    request.state.second_factor = bool(found and found[0].second_factor)
    request_locale(request, user)
    return user


async def page_user(
    request: Request, user: Annotated[User | None, Depends(page_user_optional)]
) -> User:
    if user is None:
        raise LoginRequired
    if user.role is Role.staff and not request.state.second_factor:
        raise SecondFactorRequired
    return user


async def page_staff(request: Request, user: Annotated[User, Depends(page_user)]) -> User:
    if user.role is not Role.staff:
        raise PageForbidden
    _staff_locale(request)
    return user


async def page_newcomer(user: Annotated[User, Depends(page_user)]) -> User:
    if user.role is not Role.newcomer:
        raise PageForbidden
    return user


async def page_volunteer(user: Annotated[User, Depends(page_user)]) -> User:
    if user.role is not Role.volunteer:
        raise PageForbidden
    return user


MaybePageUser = Annotated[User | None, Depends(page_user_optional)]
PageUser = Annotated[User, Depends(page_user)]
PageStaff = Annotated[User, Depends(page_staff)]
PageNewcomer = Annotated[User, Depends(page_newcomer)]
PageVolunteer = Annotated[User, Depends(page_volunteer)]
