"""``buddy match``: run a matching round from the command line, with progress and a summary."""

from __future__ import annotations

from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Engine

from app.audit.service import record
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import DomainError
from app.i18n.catalog import gettext
from app.matches import service
from app.matches.models import MatchingRound

# One transaction, committed at the end or rolled back entirely, like a web request.
unit_of_work = contextmanager(session_scope)

STEPS = {
    "collect": "Collecting waiting newcomers and free volunteers",
    "solve": "Solving",
    "store": "Storing panels",
}


def run_match(settings: Settings, console: Console) -> MatchingRound:
    engine = make_engine(settings.database_url)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=False,
        ) as bar:  # fmt: skip
            tasks: dict[str, TaskID] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(STEPS.get(step, step), total=max(total, 1))
                bar.update(tasks[step], completed=done, total=max(total, 1))

            with unit_of_work(make_sessionmaker(engine)) as session:
                done = service.run_round(
                    session, city=settings.city, started_by=None, progress=progress
                )
                record(session, actor_id=None, action="matching.round",
                       subject_type="matching_round", subject_id=done.id,
                       panels=done.panels_made, waiting=done.newcomers_waiting, source="cli")
        return done
    finally:
        engine.dispose()


def print_summary(done: MatchingRound, console: Console, locale: str = "en") -> None:
    table = Table(title=f"Matching round #{done.id}")
    table.add_column("")
    table.add_column("", justify="right")
    certificate = done.summary.get("certificate") or {}
    rows = [
        ("Newcomers waiting", done.newcomers_waiting),
        ("Volunteers available", done.volunteers_available),
        ("Panels made", done.panels_made),
        ("Full panels", done.full_panels),
        ("Partial panels", done.partial_panels),
        ("Newcomers left with an empty panel", done.empty_panels),
        ("Average score", f"{done.average_score:.3f}" if done.average_score is not None else "—"),
        ("Proved optimal", "yes" if certificate.get("optimal") else "no"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    shortage = done.shortage or {}
    if shortage.get("missing"):
        short = Table(title="Shortage: recruit volunteers for")
        for column in ("", "newcomers short", "without anyone", "places missing"):
            short.add_column(column)
        for group, name in (("by_language", "language"), ("by_slot", "slot"),
                            ("by_area", "area")):
            for key, unmet in list(shortage.get(group, {}).items())[:5]:
                short.add_row(f"{name}: {key}", str(unmet["newcomers"]), str(unmet["empty"]),
                              str(unmet["missing"]))
        console.print(short)


def match(settings: Settings, console: Console, err: Console) -> None:
    try:
        done = run_match(settings, console)
    except DomainError as exc:
        err.print(f"[red]{gettext('en', exc.message, **exc.params)}[/red]")
        raise typer.Exit(1) from exc
    print_summary(done, console)


def tick_rounds(engine: Engine, settings: Settings) -> list[str]:
    """The scheduled round, if one is due and nobody ran it yet (exactly once per slot); the
    lines to report."""
    from app.matches.schedule import run_due_round
    from app.notifications.service import bind_settings

    factory = make_sessionmaker(engine)
    bind_settings(factory, settings)
    try:
        with unit_of_work(factory) as session:
            done = run_due_round(session, city=settings.city)
            if done is not None:
                record(session, actor_id=None, action="matching.round",
                       subject_type="matching_round", subject_id=done.id,
                       panels=done.panels_made, waiting=done.newcomers_waiting,
                       scheduled=True)
    except DomainError as exc:  # a round started by hand is running: next tick retries
        return [f"Scheduled round not run now: {exc}"]
    return [f"Scheduled round run: {'yes' if done else 'no'}"]
