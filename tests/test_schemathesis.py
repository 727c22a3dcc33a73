"""Schemathesis over every operation of the OpenAPI document, as each kind of caller.

Generated requests (valid ones and deliberately invalid ones) go to the app in-process; every
answer must be below 500 and match what the document promises: a documented status code, the
documented content type and the documented body schema. The examples per operation are bounded
(``EXAMPLES``) so the run stays within a minute or two per database backend.
"""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.auth.models import TokenKind, User
from app.auth.service import issue_token
from tests.factories import make_active_contract, make_checkin, make_newcomer, make_staff

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("anonymous", "newcomer", "volunteer", "staff")


def _people(db: Session) -> tuple[dict[str, User | None], dict[str, int]]:
    """A staff member and a pair with an active contract and a meeting; the callers, and the
    ids of those records (half of the valid cases aim at them instead of random ids)."""
    staff = make_staff(db)
    contract = make_active_contract(db, make_newcomer(db), start=None)
    checkin = make_checkin(db, contract, contract.start_date, concern="a worry")
    db.commit()
    users = {"anonymous": None, "newcomer": contract.newcomer.user,
             "volunteer": contract.volunteer.user, "staff": staff}  # fmt: skip
    ids = {"contract_id": contract.id, "checkin_id": checkin.id,
           "newcomer_id": contract.newcomer_id, "volunteer_id": contract.volunteer_id}  # fmt: skip
    return users, ids


def _headers(db: Session, user: User | None) -> dict[str, str]:
    # A fresh token per request: a generated call to /auth/logout must not end the run.
    if user is None:
        return {}
    token = issue_token(db, user, TokenKind.api, timedelta(hours=1))
    db.commit()
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


# operation label, mode -> the cases hypothesis generated for it, drawn once per process: the
# document, and so every case, is the same for each role and backend (the generation is
# derandomized), and drawing them took about as long as sending them.
_GENERATED: dict[tuple[str, str], list[schemathesis.Case]] = {}


def _copy(case: schemathesis.Case, operation: Any) -> schemathesis.Case:
    """A deep copy of ``case`` for ``operation`` (``Case`` has slots and tracks its own
    attribute changes, so ``copy.deepcopy`` cannot rebuild it)."""
    new = object.__new__(type(case))
    memo: dict[int, Any] = {id(case): new, id(case.operation): operation}
    for name in type(case).__slots__:
        object.__setattr__(new, name, copy.deepcopy(getattr(case, name), memo))
    return new


def _generated(operation: Any, mode: GenerationMode, examples: int) -> list[schemathesis.Case]:
    """Up to ``examples`` generated cases of ``operation`` (untouched copies: callers copy)."""
    key = (operation.label, mode.value)
    if key in _GENERATED:
        return _GENERATED[key]
    drawn: list[schemathesis.Case] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def draw(case: schemathesis.Case) -> None:
        drawn.append(_copy(case, case.operation))

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters, no body)
        draw()
    _GENERATED[key] = drawn
    return drawn


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    headers: Any,
    tally: Tally,
    real_ids: dict[str, int],
) -> None:
    """The generated calls of ``operation``; the first failure of each goes into ``tally``."""
    label = f"{operation.label} [{mode.value}]"
    for generated in _generated(operation, mode, examples):
        # A copy aimed at this test's operation (and so at its app and database).
        case = _copy(generated, operation)
        tally.cases[mode.value] += 1
        if mode is GenerationMode.POSITIVE and tally.cases[mode.value] % 2:
            for name in case.path_parameters.keys() & real_ids.keys():
                case.path_parameters[name] = real_ids[name]
        try:
            # Conformance, not speed: the first PDF of a worker process loads its fonts, which
            # took over schemathesis' default 10 s once on a slow, busy CI machine.
            response = case.call_and_validate(headers=headers(), checks=CHECKS, timeout=60)
        except BaseException as exc:  # schemathesis' failure groups are not plain Exceptions
            if isinstance(exc, KeyboardInterrupt):
                raise
            tally.failures.append(f"{label}: {exc!r}"[:2000])
            return  # as hypothesis did: the first failure of an operation ends its run
        tally.statuses[response.status_code] += 1


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(app: FastAPI, db: Session, role: str) -> None:
    users, real_ids = _people(db)
    user = users[role]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations, tally = 0, Tally()
    for result in schema.get_all_operations():
        operations += 1
        for mode, examples in EXAMPLES.items():
            _fuzz(result.ok(), mode, examples, lambda: _headers(db, user), tally, real_ids)
    statuses = dict(sorted(tally.statuses.items()))
    cases = f"{sum(tally.cases.values())} cases {dict(tally.cases)}"
    print(f"\nschemathesis as {role}: {operations} operations, {cases}, statuses {statuses}")
    assert operations >= 40
    assert not tally.failures, "\n\n".join(tally.failures)


def test_the_documented_422_is_the_one_sent(app: FastAPI, db: Session) -> None:
    """The 422 body was a string ``detail`` while the document promised FastAPI's array."""
    from fastapi.testclient import TestClient

    from app.web.openapi import Error

    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        answer = client.post("/api/v1/volunteers", json={"first_name": 5})
    schema = document["paths"]["/api/v1/volunteers"]["post"]["responses"]["422"]
    assert schema["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert answer.status_code == 422
    body = Error.model_validate(answer.json())  # extra fields are forbidden
    assert body.errors
    assert {e.field for e in body.errors} >= {"first_name"}
