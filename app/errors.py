"""Domain errors. Services raise these; the web layer turns them into HTTP answers.

Messages are gettext message ids (marked with ``N_``) plus parameters, so each reader sees
them in their own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.i18n.catalog import gettext, pgettext


class DomainError(Exception):
    status_code = 400

    def __init__(
        self, message: str, *, field: str | None = None, context: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        # A gettext context (``"feminine"``): the message speaks about a person whose gender
        # the words agree with; the variant is marked next to the raise with ``NP_``.
        self.context = context
        self.params = params

    def translated(self, locale: str) -> str:
        """The message in ``locale``, in its gendered variant when it has a context."""
        if self.context:
            return pgettext(locale, self.context, self.message, **self.params)
        return gettext(locale, self.message, **self.params)


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; ``field`` names the culprit."""

    status_code = 422


class Invalids(Invalid):
    """Several fields broke their rules at once: a form shows each beside its field. Reads as
    the first problem wherever only one message fits (the API's ``detail``)."""

    def __init__(self, problems: Sequence[DomainError]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, context=first.context, **first.params)
        self.problems = list(problems)


class Throttled(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int, **params: Any) -> None:
        super().__init__(message, field=None, **params)
        self.retry_after = retry_after
