"""What the inbox API returns: the reader's own messages only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MessageSummary(BaseModel):
    id: int
    kind: str
    subject: str
    created_at: datetime
    read: bool
    outdated: bool  # no longer true (app/notifications/relevance.py); kept, not hidden


class MessageRead(MessageSummary):
    locale: str
    body_text: str
    body_html: str


class MessageList(BaseModel):
    unread: int
    items: list[MessageSummary]


class AlertSettings(BaseModel):
    sms_alerts: bool
