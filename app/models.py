"""Every model, imported once so Alembic and the mappers see the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import AuthToken, LoginAttempt, User
from app.checkins.models import Checkin, CheckinActivity
from app.contracts.models import Contract
from app.dashboard.models import COUNTING_MEETINGS
from app.db import Base
from app.evaluations.models import Evaluation
from app.followup.models import StaffCall
from app.matches.models import MatchingLock, MatchingRound, Panel, PanelCandidate
from app.notifications.models import OutboxEmail
from app.operations.models import JobRun
from app.people.models import Newcomer, Person, PersonLanguage, Volunteer

__all__ = [
    "COUNTING_MEETINGS",
    "AuditEntry",
    "AuthToken",
    "Base",
    "Checkin",
    "CheckinActivity",
    "Contract",
    "Evaluation",
    "JobRun",
    "LoginAttempt",
    "MatchingLock",
    "MatchingRound",
    "Newcomer",
    "OutboxEmail",
    "Panel",
    "PanelCandidate",
    "Person",
    "PersonLanguage",
    "StaffCall",
    "User",
    "Volunteer",
]
