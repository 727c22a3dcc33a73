"""Every model, imported once so Alembic and the mappers see the whole schema."""

from app.audit.models import AuditChainHead, AuditEntry, AuditPersonal
from app.auth.models import AuthToken, LoginAttempt, User
from app.checkins.models import Checkin, CheckinActivity
from app.contracts.models import Contract
from app.dashboard.models import COUNTING_MEETINGS, ContractAttendance, EntryDay, MeetingDay
from app.db import Base
from app.evaluations.models import Evaluation
from app.events.models import Event, Invitation
from app.followup.models import StaffCall
from app.inbox.models import InboxMessage, SmsAlert
from app.intake.models import IntakeBooking, IntakeRecord, IntakeSlot, ScreeningRecord
from app.matches.models import (
    MatchingLock,
    MatchingRound,
    Panel,
    PanelCandidate,
    ScheduledRound,
)
from app.notifications.models import OutboxEmail
from app.operations.models import JobRun
from app.people.models import Newcomer, Person, PersonLanguage, Volunteer

__all__ = [
    "COUNTING_MEETINGS",
    "AuditChainHead",
    "AuditEntry",
    "AuditPersonal",
    "AuthToken",
    "Base",
    "Checkin",
    "CheckinActivity",
    "Contract",
    "ContractAttendance",
    "EntryDay",
    "Evaluation",
    "Event",
    "InboxMessage",
    "IntakeBooking",
    "IntakeRecord",
    "IntakeSlot",
    "Invitation",
    "JobRun",
    "LoginAttempt",
    "MatchingLock",
    "MatchingRound",
    "MeetingDay",
    "Newcomer",
    "OutboxEmail",
    "Panel",
    "PanelCandidate",
    "Person",
    "PersonLanguage",
    "ScheduledRound",
    "ScreeningRecord",
    "SmsAlert",
    "StaffCall",
    "User",
    "Volunteer",
]
