"""What `buddy demo-data` and `buddy run` print and do with the demo city.

Imported only when one of those commands runs (see ``app.cli``): the demo package is heavy.
"""

from __future__ import annotations

import pyotp
import typer
from rich.table import Table

from app.auth import totp
from app.cli.context import console, engine_for, err, require_schema, unit_of_work
from app.config import Settings
from app.demo.generate import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from app.demo.service import DemoSummary, demo_loaded, load_demo

# The story the three demo logins can play together (the demo newcomer's panel shows the demo
# volunteer, who has a free place): also in the README's quick start.
TRY_THIS = (
    "1. As the newcomer, open /me/panel and choose the volunteer ranked first; sign.",
    "2. As the volunteer, open the contract from /me and sign it: the buddy time starts.",
    "3. Log a meeting from /me; the other side confirms it. Staff follow it all on /staff.",
)


def print_demo_logins(base_url: str) -> None:
    table = Table(title="Demo logins")
    table.add_column("Role")
    table.add_column("Email")
    table.add_column("Password")
    for role, email in DEMO_LOGINS.items():
        table.add_row(role, email, DEMO_PASSWORD)
    console.print(table)
    console.print(f"Log in at [link={base_url}/login]{base_url}/login[/link]")
    console.print("Try this (two browsers, or one private window):")
    for line in TRY_THIS:
        console.print(f"  {line}")
    uri = pyotp.TOTP(DEMO_TOTP_SECRET).provisioning_uri(
        name=DEMO_LOGINS["staff"], issuer_name=totp.ISSUER
    )
    console.print(
        "Staff log in in two steps: after the password, a code from an authenticator app. For "
        f"the demo staff account add the key [bold]{DEMO_TOTP_SECRET}[/bold] to the app (or "
        "this URI), or print the current code with [bold].venv/bin/buddy demo-code[/bold]:"
    )
    console.print(uri, soft_wrap=True)  # unwrapped: it is copied whole


def print_summary(summary: DemoSummary) -> None:
    def fmt(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"

    console.print(f"Volunteers: {summary.total_volunteers} ({fmt(summary.volunteers)})")
    console.print(f"Newcomers:  {summary.total_newcomers} ({fmt(summary.newcomers)})")
    console.print(f"Contracts:  {sum(summary.contracts.values())} ({fmt(summary.contracts)})")


def demo_data_into(settings: Settings) -> DemoSummary:
    if settings.environment == "production":
        # Every demo account has the password printed in the README: never on a real site.
        err.print("[red]Demo data is never loaded in production (BUDDY_ENVIRONMENT=production):"
                  " its accounts share a published password.[/red]")  # fmt: skip
        raise typer.Exit(1)
    with engine_for(settings) as engine:
        require_schema(engine)
        with unit_of_work(engine, settings) as session:
            already = demo_loaded(session)
            summary = load_demo(session, settings.city)
    if already:
        console.print("[yellow]Demo data already present; kept as it is.[/yellow]")
    else:
        console.print(f"[green]Loaded the demo city of {settings.city.name}.[/green]")
    print_summary(summary)
    return summary
