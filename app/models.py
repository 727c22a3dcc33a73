"""Every model, imported once so Alembic and the mappers see the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, User
from app.db import Base
from app.people.models import Newcomer, Person, PersonLanguage, Volunteer

__all__ = [
    "AuditEntry",
    "AuthToken",
    "Base",
    "LoginAttempt",
    "Newcomer",
    "Person",
    "PersonLanguage",
    "User",
    "Volunteer",
]
