"""Phone numbers as login names and SMS addresses: parsed with ``phonenumbers`` (Google's
libphonenumber) and stored in E.164 ("+32470123456"), so "0470 12 34 56", "+32 470 12 34 56"
and "0032470123456" are one number. A number without a country code is read in the city's
country (the city profile's ``country``)."""

from __future__ import annotations

import phonenumbers

from app.errors import Invalid
from app.i18n.catalog import N_

BAD_PHONE = N_(
    "This is not a phone number we can use. Write it with the country code, like +32 470 12 34 56."
)


def normalise_phone(raw: str, region: str, *, field: str = "phone") -> str:
    """The number in E.164, or ``Invalid``.

    >>> normalise_phone("0470 12 34 56", "BE")
    '+32470123456'
    >>> normalise_phone("+380 50 123 4567", "BE")
    '+380501234567'
    """
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise Invalid(BAD_PHONE, field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid(BAD_PHONE, field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(login: str) -> bool:
    """A login name without "@" and with digits is read as a phone number."""
    return "@" not in login and any(ch.isdigit() for ch in login)
