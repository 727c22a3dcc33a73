"""The ``buddy`` command: serve the site, migrate the database, load demo data, add staff.

Each command opens its own unit of work (``session_scope``), which commits once at the end or
rolls back entirely, like a web request.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.context import (
    console,
    engine_for,
    err,
    load_settings,
    migrated_settings,
    starting,
    unit_of_work,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.config import Settings

# Imports of the application happen inside each command: `buddy --help` and `buddy tick` start
# in well under a second instead of loading the matching engine, the demo city and SciPy first.

cli = typer.Typer(
    name="buddy",
    help="Welcome Buddy: the newcomer–buddy programme platform.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
audit_cli = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")

# --- db ------------------------------------------------------------------------------------


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    from app import migrate

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

    from app import migrate

    settings = load_settings()
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    with engine_for(settings) as engine:
        current = _current(engine)
    state = "[green]up to date[/green]" if current == head else f"[yellow]head is {head}[/yellow]"
    console.print(f"{current} — {state}")


# --- data ----------------------------------------------------------------------------------


@cli.command("demo-data")
def demo_data() -> None:
    """Load a realistic demo city once (volunteers, newcomers, demo logins for each role)."""
    from app.cli.demo import demo_data_into, print_demo_logins

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
    otp_uri: Annotated[
        bool,
        typer.Option(
            "--otp-uri", help="Enrol two-step login now and print the otpauth:// URI (scripts)"
        ),
    ] = False,
) -> None:
    """Create a staff account. Staff accounts exist only through this command. Staff log in in
    two steps (password, then a code from an authenticator app): they set it up at their
    first login, or at once with --otp-uri."""
    from app.cli.staff import create_staff_account

    create_staff_account(email, password, locale, otp_uri=otp_uri)


@cli.command("demo-code")
def demo_code() -> None:
    """Print the demo staff account's current two-step login code (demo data only)."""
    import pyotp

    from app.demo.generate import DEMO_TOTP_SECRET

    settings = load_settings()
    if settings.environment == "production":
        err.print("[red]There is no demo staff account in production.[/red]")
        raise typer.Exit(2)
    print(pyotp.TOTP(DEMO_TOTP_SECRET).now())


# --- serve ---------------------------------------------------------------------------------


def follow_served_address(settings: Settings, host: str, port: int) -> Settings:
    """Without an explicit ``BUDDY_BASE_URL``, links point to where the quick start serves.

    Set in the environment for the served app (a fresh ``Settings()`` in ``app.main``, and
    uvicorn's reloader processes); the demo's emails get the returned settings."""
    if "base_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # listening everywhere
    base = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"
    os.environ["BUDDY_BASE_URL"] = base
    return settings.model_copy(update={"base_url": base})


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
    """Quick start: migrate, load the demo city (once), print demo logins and serve. Links in
    emails point to the address served here, unless ``BUDDY_BASE_URL`` says otherwise."""
    from app import migrate
    from app.cli.demo import demo_data_into, print_demo_logins

    settings = follow_served_address(load_settings(), host, port)
    with engine_for(settings) as engine:
        migrate.upgrade(engine)
    demo_data_into(settings)
    print_demo_logins(settings.base_url.rstrip("/"))
    _serve(host, port, reload)


# --- matching and contracts ---------------------------------------------------------------


@cli.command()
def match() -> None:
    """Run a matching round now: every waiting newcomer gets a ranked panel of volunteers."""
    settings = migrated_settings()
    from app.matches.commands import match as run_match

    run_match(settings, console, err)


@cli.command()
def tick() -> None:
    """Housekeeping for cron (hourly is fine): expire old panels, complete contracts past their
    end date, run the city's scheduled matching round when due, apply the retention rules
    (docs/privacy.md), queue the reminder emails that are due (events: the day before), sum up
    what changed for the dashboard, and send the mail that is due: every job of `buddy worker`,
    once, now."""
    with starting():
        from app.operations.jobs import JOBS

    settings = migrated_settings()
    with engine_for(settings) as engine:
        for job in JOBS:
            for line in job.run(engine, settings):
                console.print(line)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the due jobs once and exit")] = False,
) -> None:
    """Run the background jobs on their schedule (mail every minute; scheduled rounds every five
    minutes; expiry, completion, reminders, retention and the dashboard's sums hourly) until
    SIGTERM. Safe on several machines at once; cron stays possible."""
    with starting():
        from app.operations.logs import configure_logging
        from app.operations.worker import Worker, install_signal_handlers

    settings = migrated_settings()
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

    report = run_send_mail(migrated_settings(), console, limit=limit)
    if report.unreachable:
        raise typer.Exit(1)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; report the first broken link (exit 1 if any)."""
    from app.audit.chain import verify

    settings = migrated_settings()
    with engine_for(settings) as engine, unit_of_work(engine) as session:
        verdict = verify(session)
    if verdict.ok:
        console.print(f"[green]Audit log intact:[/green] {verdict.checked} entries chained.")
        return
    err.print(
        f"[red]Audit log broken at entry {verdict.broken_id}:[/red] {verdict.problem} "
        f"({verdict.checked} entries before it are intact)."
    )
    raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    cli()
