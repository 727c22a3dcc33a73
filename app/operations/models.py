"""When each background job last ran, shared by every worker process of the city."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class JobRun(Base):
    """One row per job: several workers on several machines agree through it (under a lock)
    that an hourly job ran this hour, so it does not run again on another machine."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    # Which process ran it last (host:pid), for an operator reading the table.
    holder: Mapped[str] = mapped_column(String(120), default="")
