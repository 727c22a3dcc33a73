"""Every model, imported once so Alembic and the mappers see the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, User
from app.contracts.models import Contract
from app.db import Base
from app.matches.models import MatchingLock, MatchingRound, Panel, PanelCandidate
from app.people.models import Newcomer, Person, PersonLanguage, Volunteer

__all__ = [
    "AuditEntry",
    "AuthToken",
    "Base",
    "Contract",
    "LoginAttempt",
    "MatchingLock",
    "MatchingRound",
    "Newcomer",
    "Panel",
    "PanelCandidate",
    "Person",
    "PersonLanguage",
    "User",
    "Volunteer",
]
