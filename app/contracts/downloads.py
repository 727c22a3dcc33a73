"""Contract downloads: the contract as a PDF and its meeting days as an .ics calendar.

The pages here serve them to a logged-in browser; the JSON API serves the very same files to a
bearer token (``app.contracts.router``), through the same two functions.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.config import CityProfile, Settings
from app.contracts import service
from app.contracts.ics import ics_for
from app.contracts.models import Contract
from app.contracts.pdf import pdf_for
from app.deps import CityDep, PageUser, SessionDep, SettingsDep
from app.errors import DomainError
from app.web.templating import error_message, error_page, not_found

router = APIRouter(include_in_schema=False)


def attachment(body: bytes, media_type: str, name: str) -> Response:
    """A file the browser saves as ``name`` instead of showing it."""
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def pdf_download(contract: Contract, *, city: CityProfile, locale: str) -> Response:
    body = pdf_for(contract, city=city, locale=locale)
    return attachment(body, "application/pdf", f"buddy-contract-{contract.id}.pdf")


def ics_download(contract: Contract, *, settings: Settings, locale: str) -> Response:
    """Raises a domain error while the contract has no meeting days to put in a calendar."""
    host = urlsplit(settings.base_url).hostname or "welcome-buddy"
    body = ics_for(contract, city=settings.city, locale=locale, host=host)
    return attachment(body, "text/calendar; charset=utf-8", f"buddy-contract-{contract.id}.ics")


@router.get("/contracts/{contract_id:int}.pdf")
def contract_pdf(
    contract_id: int, request: Request, session: SessionDep, user: PageUser, city: CityDep
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    return pdf_download(contract, city=city, locale=request.state.locale)


@router.get("/contracts/{contract_id:int}.ics")
def contract_ics(
    contract_id: int,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    contract = service.find_for_user(session, user, contract_id)
    if contract is None:
        return not_found(request)
    try:
        return ics_download(contract, settings=settings, locale=request.state.locale)
    except DomainError as exc:
        return error_page(request, 409, error_message(request, exc))
