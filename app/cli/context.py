"""What every ``buddy`` command shares: the consoles, the settings, an engine, a unit of work.

Light on purpose (typer and rich only at import): `buddy --help` and `buddy tick` import it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from app.config import Settings

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@contextmanager
def starting() -> Iterator[None]:
    """Import a command's modules with the cyclic garbage collector paused.

    Start-up creates objects that live as long as the process (165,000 for `buddy tick`:
    modules, classes, SQLAlchemy's mappers, pydantic's validators) and almost no garbage, so
    each collection it set off walked them all again for nothing. Afterwards they are moved out
    of the collector's reach, as the web application does (app/main.py), and it resumes.
    The few unreachable objects the imports leave (701 for `buddy tick`) stay, once: a full
    collection to free them would cost 75 ms. `buddy tick` went from 1.18-1.30 s to 0.80-0.87 s
    (bench/bench_cli.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def load_settings() -> Settings:
    from pydantic import ValidationError

    from app.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]Configuration error:[/red] {error['msg']}")
        raise typer.Exit(2) from exc


@contextmanager
def engine_for(settings: Settings) -> Iterator[Engine]:
    from app.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(engine: Engine, settings: Settings | None = None) -> Iterator[Session]:
    """One transaction; with ``settings``, the emails it queues link to their base URL."""
    from app.db import make_sessionmaker, session_scope

    factory = make_sessionmaker(engine)
    if settings is not None:
        from app.notifications.service import bind_settings

        bind_settings(factory, settings)
    yield from session_scope(factory)


def require_schema(engine: Engine) -> None:
    from sqlalchemy import inspect

    if not inspect(engine).has_table("users"):
        err.print(
            "[red]The database has no tables yet.[/red] Run [bold]buddy db upgrade[/bold] first."
        )
        raise typer.Exit(1)


def migrated_settings() -> Settings:
    """Settings, after checking the database has its tables (a clear message, not a traceback)."""
    settings = load_settings()
    with engine_for(settings) as engine:
        require_schema(engine)
    return settings
