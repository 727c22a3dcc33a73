"""`buddy create-staff`: the only way a staff account comes to exist.

Imported only when that command runs (see ``app.cli``).
"""

from __future__ import annotations

import typer

from app.audit.service import record
from app.auth import totp
from app.auth.models import Role
from app.auth.service import create_user
from app.cli.context import console, engine_for, err, load_settings, require_schema, unit_of_work
from app.errors import DomainError


def create_staff_account(email: str, password: str | None, locale: str | None, *,
                         otp_uri: bool) -> None:
    """Create the account in one unit of work (audited), or say what is wrong and exit."""
    settings = load_settings()
    city = settings.city
    locale = locale or city.default_locale
    if locale not in city.locales:
        err.print(f"[red]--locale must be one of {', '.join(city.locales)}.[/red]")
        raise typer.Exit(2)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with engine_for(settings) as engine:
        require_schema(engine)
        try:
            with unit_of_work(engine) as session:
                user = create_user(
                    session, email=email, password=password, role=Role.staff, locale=locale,
                    avoid=(city.name,),
                )  # fmt: skip
                record(session, actor_id=None, action="staff.created", subject_type="user",
                       subject_id=user.id, personal={"email": user.email},
                       source="cli")  # fmt: skip
                uri = totp.enrol_now(session, user) if otp_uri else None
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field else ""
            err.print(f"[red]{where}{exc}[/red]")
            raise typer.Exit(1) from exc
    console.print(f"[green]Staff account created:[/green] {user.email}")
    if uri is not None:
        # Plain print: the URI is a secret for a script or a QR tool, never wrapped or styled.
        print(uri)
    else:
        console.print(
            "Staff log in in two steps: at the first login on /login this account sets up an "
            "authenticator app (QR code) and gets recovery codes. No staff page or API opens "
            "before that. (--otp-uri enrols at once and prints the otpauth:// URI.)"
        )
