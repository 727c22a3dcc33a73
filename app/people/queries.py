"""Reading one person for an account: light on imports, because the contract queries, the
/me sections and the background jobs all need it (``buddy tick`` must start fast)."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, lazyload

from app.auth.models import Role, User
from app.people.models import Newcomer, Person, Volunteer


def _by_user(model: type[Person]) -> Select[Person]:
    # Languages in the same round trip: every page and answer about the person shows them.
    # Not the user again (``Person.user`` is joined by default): the caller has it, so the
    # identity map answers ``person.user`` without a query.
    return (
        select(model)
        .where(model.user_id == bindparam("user_id"))
        .options(joinedload(model.languages), lazyload(model.user))
    )


# Run on nearly every request: built once (with their SQL cache keys), not per request.
_BY_USER: dict[type[Person], Select[Person]] = {
    Newcomer: _by_user(Newcomer),
    Volunteer: _by_user(Volunteer),
}


def person_for_user(session: Session, user: User) -> Person | None:
    """The user's newcomer or volunteer profile (``None`` for staff)."""
    model: type[Person]
    if user.role is Role.newcomer:
        model = Newcomer
    elif user.role is Role.volunteer:
        model = Volunteer
    else:
        return None
    # A page asks this several times (the handler, each /me section, each contract list):
    # remember the answer for the session (one request), and let the identity map answer.
    known: dict[int, int] = session.info.setdefault("person_of_user", {})
    if user.id in known:
        found = session.get(model, known[user.id])
        if found is not None:
            return found
    person = session.scalars(_BY_USER[model], {"user_id": user.id}).unique().first()
    if person is not None:
        known[user.id] = person.id
    return person
