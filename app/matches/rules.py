"""Panel rules as plain functions: expiry, who may still be picked, exposure."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.matches.models import PanelStatus


def panel_expires_at(created: datetime, expiry_days: int) -> datetime:
    return created + timedelta(days=expiry_days)


def panel_is_expired(status: PanelStatus, expires_at: datetime, now: datetime) -> bool:
    """An open panel past its expiry date is expired even before ``buddy tick`` marks it."""
    return status is PanelStatus.expired or (status is PanelStatus.open and expires_at <= now)


def panel_is_open(status: PanelStatus, expires_at: datetime, now: datetime) -> bool:
    return status is PanelStatus.open and expires_at > now
