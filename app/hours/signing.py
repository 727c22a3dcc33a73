"""The verification code of an hours statement: an HMAC, so no table of issued statements.

A code is 20 bytes written as 32 base-32 characters in groups of four:

    CLAIM (10 bytes): newcomer id (4), first day, last day, issue day (2 each, days since 2000)
    TAG   (10 bytes): HMAC-SHA256 over CLAIM + the statement's canonical content, cut to 80 bits

The canonical content is what the statement asserts: who (id, name, file number), the period,
the issue day, and per month the confirmed meetings and minutes. To verify, the claim says
which statement to rebuild from today's records; the code is genuine only if the rebuilt
content gives the same tag. So nobody can make a code without the app's secret key (80 bits:
guessing is hopeless, and wrong codes are throttled too), a changed name or number fails, and
a statement whose hours have changed since it was issued (a meeting confirmed or disputed
later) no longer verifies: the newcomer downloads a new one.

The key is derived from the app's secret key for this one purpose, so a tag can never be
mistaken for another signature made with the same secret (the CSRF tokens).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.hours.rules import Period

EPOCH = date(2000, 1, 1)
_CLAIM = struct.Struct(">IHHH")
TAG_BYTES = 10
CODE_CHARS = 32
_PURPOSE = b"welcome-buddy/hours-statement/v1"
# Letters people read wrongly from paper, mapped to the base-32 letters they meant.
_TYPOS = str.maketrans({"0": "O", "1": "I", "8": "B"})


@dataclass(frozen=True)
class Claim:
    newcomer_id: int
    start: date
    end: date
    issued_on: date


def _days(value: date) -> int:
    return (value - EPOCH).days


def derived_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def canonical(
    *, newcomer_id: int, name: str, file_number: str | None, claim: Claim,
    periods: Sequence[Period],
) -> bytes:  # fmt: skip
    """The statement's content as exact bytes (unit separators: no field can fake another)."""
    lines = [
        "hours-statement/v1", str(newcomer_id), name, file_number or "",
        claim.start.isoformat(), claim.end.isoformat(), claim.issued_on.isoformat(),
        *(f"{p.month}:{p.meetings}:{p.minutes}" for p in periods),
    ]  # fmt: skip
    return "\x1f".join(lines).encode("utf-8")


def _claim_bytes(claim: Claim) -> bytes:
    return _CLAIM.pack(
        claim.newcomer_id, _days(claim.start), _days(claim.end), _days(claim.issued_on)
    )


def _tag(key: bytes, claim: bytes, content: bytes) -> bytes:
    return hmac.new(key, claim + content, hashlib.sha256).digest()[:TAG_BYTES]


def make_code(secret_key: str, claim: Claim, content: bytes) -> str:
    raw = _claim_bytes(claim)
    text = base64.b32encode(raw + _tag(derived_key(secret_key), raw, content)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise(code: str) -> str:
    """What was typed, without spaces or dashes, upper case, common misreadings fixed."""
    return "".join(ch for ch in code.upper().translate(_TYPOS) if ch.isalnum())


def read_claim(code: str) -> tuple[Claim, bytes, bytes] | None:
    """(claim, its bytes, the tag) of a well-formed code; None for anything else."""
    text = normalise(code)
    if len(text) != CODE_CHARS:
        return None
    try:
        raw = base64.b32decode(text)
    except ValueError:
        return None
    newcomer_id, start, end, issued = _CLAIM.unpack(raw[: _CLAIM.size])
    claim = Claim(newcomer_id, EPOCH + timedelta(start), EPOCH + timedelta(end),
                  EPOCH + timedelta(issued))  # fmt: skip
    if not claim.start <= claim.end <= claim.issued_on:
        return None
    return claim, raw[: _CLAIM.size], raw[_CLAIM.size :]


def matches(secret_key: str, claim_bytes: bytes, tag: bytes, content: bytes) -> bool:
    return hmac.compare_digest(_tag(derived_key(secret_key), claim_bytes, content), tag)
