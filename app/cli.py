"""The ``buddy`` command: serve the site, migrate the database, load demo data, add staff.

Each command opens its own unit of work (``session_scope``), which commits once at the end or
rolls back entirely, like a web request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from app import migrate
from app.audit.service import record
from app.auth.models import Role
from app.auth.service import create_user
from app.config import Settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD
from app.demo.service import DemoSummary, demo_loaded, load_demo
from app.errors import DomainError

cli = typer.Typer(
    name="buddy",
    help="Welcome Buddy: the newcomer–buddy programme platform.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]Configuration error:[/red] {error['msg']}")
        raise typer.Exit(2) from exc


@contextmanager
def engine_for(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    yield from session_scope(make_sessionmaker(engine))


def _require_schema(engine: Engine) -> None:
    if not inspect(engine).has_table("users"):
        err.print(
            "[red]The database has no tables yet.[/red] Run [bold]buddy db upgrade[/bold] first."
        )
        raise typer.Exit(1)


def _migrated_settings() -> Settings:
    """Settings, after checking the database has its tables (a clear message, not a traceback)."""
    settings = load_settings()
    with engine_for(settings) as engine:
        _require_schema(engine)
    return settings


def print_demo_logins(base_url: str) -> None:
    table = Table(title="Demo logins")
    table.add_column("Role")
    table.add_column("Email")
    table.add_column("Password")
    for role, email in DEMO_LOGINS.items():
        table.add_row(role, email, DEMO_PASSWORD)
    console.print(table)
    console.print(f"Log in at [link={base_url}/login]{base_url}/login[/link]")


def _print_summary(summary: DemoSummary) -> None:
    def fmt(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"

    console.print(f"Volunteers: {summary.total_volunteers} ({fmt(summary.volunteers)})")
    console.print(f"Newcomers:  {summary.total_newcomers} ({fmt(summary.newcomers)})")
    console.print(f"Contracts:  {sum(summary.contracts.values())} ({fmt(summary.contracts)})")


# --- db ------------------------------------------------------------------------------------


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    settings = load_settings()
    with engine_for(settings) as engine:
        migrate.upgrade(engine, revision)
        console.print(
            f"[green]Database at {_current(engine)}[/green] ({engine.url.render_as_string()})"
        )


def _current(engine: Engine) -> str:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(heads) or "base (empty)"


@db_cli.command("current")
def db_current() -> None:
    """Show the schema revision the database is at, and whether that is the newest."""
    from alembic.script import ScriptDirectory

    settings = load_settings()
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    with engine_for(settings) as engine:
        current = _current(engine)
    state = "[green]up to date[/green]" if current == head else f"[yellow]head is {head}[/yellow]"
    console.print(f"{current} — {state}")


# --- data ----------------------------------------------------------------------------------


def demo_data_into(settings: Settings) -> DemoSummary:
    with engine_for(settings) as engine:
        _require_schema(engine)
        with unit_of_work(engine) as session:
            already = demo_loaded(session)
            summary = load_demo(session, settings.city)
    if already:
        console.print("[yellow]Demo data already present; kept as it is.[/yellow]")
    else:
        console.print(f"[green]Loaded the demo city of {settings.city.name}.[/green]")
    _print_summary(summary)
    return summary


@cli.command("demo-data")
def demo_data() -> None:
    """Load a realistic demo city once (volunteers, newcomers, demo logins for each role)."""
    settings = load_settings()
    demo_data_into(settings)
    print_demo_logins(settings.base_url)


@cli.command("create-staff")
def create_staff(
    email: Annotated[str, typer.Argument(help="The staff member's email address")],
    password: Annotated[
        str | None, typer.Option(help="Initial password; asked for (twice) when left out")
    ] = None,
    locale: Annotated[str | None, typer.Option(help="Site language; default: the city's")] = None,
) -> None:
    """Create a staff account. Staff accounts exist only through this command."""
    settings = load_settings()
    city = settings.city
    locale = locale or city.default_locale
    if locale not in city.locales:
        err.print(f"[red]--locale must be one of {', '.join(city.locales)}.[/red]")
        raise typer.Exit(2)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with engine_for(settings) as engine:
        _require_schema(engine)
        try:
            with unit_of_work(engine) as session:
                user = create_user(
                    session, email=email, password=password, role=Role.staff, locale=locale
                )
                record(session, actor_id=None, action="staff.created", subject_type="user",
                       subject_id=user.id, email=user.email, source="cli")  # fmt: skip
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field else ""
            err.print(f"[red]{where}{exc}[/red]")
            raise typer.Exit(1) from exc
    console.print(f"[green]Staff account created:[/green] {user.email}")


# --- serve ---------------------------------------------------------------------------------


def _serve(host: str, port: int, reload: bool) -> None:
    import uvicorn

    console.print(
        f"Serving on [bold]http://{host}:{port}[/bold] — API docs at http://{host}:{port}/docs"
    )
    uvicorn.run("app.main:app", host=host, port=port, reload=reload)


HostOpt = Annotated[str, typer.Option(help="Interface to listen on")]
PortOpt = Annotated[int, typer.Option(help="TCP port")]
ReloadOpt = Annotated[bool, typer.Option(help="Restart when the code changes (development)")]


@cli.command()
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, reload: ReloadOpt = False) -> None:
    """Run the web application with uvicorn."""
    load_settings()
    _serve(host, port, reload)


@cli.command()
def run(host: HostOpt = "127.0.0.1", port: PortOpt = 8000, reload: ReloadOpt = False) -> None:
    """Quick start: migrate, load the demo city (once), print demo logins and serve."""
    settings = load_settings()
    with engine_for(settings) as engine:
        migrate.upgrade(engine)
    demo_data_into(settings)
    print_demo_logins(f"http://{host}:{port}")
    _serve(host, port, reload)


# --- matching and contracts ---------------------------------------------------------------


@cli.command()
def match() -> None:
    """Run a matching round now: every waiting newcomer gets a ranked panel of volunteers."""
    settings = _migrated_settings()
    from app.matches.commands import match as run_match

    run_match(settings, console, err)


@cli.command()
def tick() -> None:
    """Housekeeping for cron (hourly is fine): expire old panels, complete contracts past their
    end date, queue the reminder emails that are due, and send the mail that is due."""
    from app.operations.jobs import JOBS

    settings = _migrated_settings()
    with engine_for(settings) as engine:
        for job in JOBS:
            for line in job.run(engine, settings):
                console.print(line)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the due jobs once and exit")] = False,
) -> None:
    """Run the background jobs on their schedule (mail every minute; expiry, completion and
    reminders hourly) until SIGTERM. Safe on several machines at once; cron stays possible."""
    from app.operations.logs import configure_logging
    from app.operations.worker import Worker, install_signal_handlers

    settings = _migrated_settings()
    configure_logging(settings.environment)
    with engine_for(settings) as engine:
        runner = Worker(engine, settings, poll_seconds=settings.worker_poll_seconds)
        if once:
            ran = runner.run_due()
            console.print(f"Jobs run: {', '.join(ran) or 'none due'}")
            return
        install_signal_handlers(runner)
        runner.run_forever()


@cli.command("send-mail")
def send_mail(
    limit: Annotated[
        int | None, typer.Option(help="Try at most this many messages (default: all due)")
    ] = None,
) -> None:
    """Send the queued email that is due (retries follow their back-off; never sent twice)."""
    from app.notifications.commands import send_mail as run_send_mail

    report = run_send_mail(_migrated_settings(), console, limit=limit)
    if report.unreachable:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    cli()
