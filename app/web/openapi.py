"""The OpenAPI document says what the API really answers when it refuses.

FastAPI documents a 422 as ``{"detail": [{loc, msg, type}]}``; our error handlers answer
``{"detail": "<message in the reader's language>", "errors": [{field, loc, message, type}]}``
(app/web/errors.py), and every refusal (400, 401, 403, 404, 409, 413, 422, 429) has that same
shape. So the 422 schema is replaced by ``Error`` and every operation lists the refusals any
request may meet, each with the ``Error`` body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="The input at fault (last named part of `loc`)")
    loc: list[str] = Field(description="Where the input is: field names and list indexes")
    message: str = Field(description="What is wrong, in the reader's language")
    type: str = Field(description="A machine-readable kind, e.g. `missing` or `rule`")


class Error(BaseModel):
    """Every refusal of the API: a message for people, and the fields at fault if any."""

    model_config = ConfigDict(extra="forbid")

    detail: str = Field(description="What went wrong, in the reader's language")
    field: str | None = Field(default=None, description="The input at fault, if one is")
    errors: list[FieldError] | None = Field(default=None, description="Each input at fault")


# Any request may meet these, whatever the operation: bad input caught before the handler
# (NUL characters, an id that cannot exist, an unreadable form), authentication, size limits.
COMMON_REFUSALS = {
    "400": "Unreadable input (for example a NUL character or a malformed form)",
    "401": "Not authenticated",
    "403": "Not allowed for your role",
    "404": "No such record (or not yours)",
    "413": "The request body is too large",
    "422": "Invalid input; `errors` names each field",
}
# Changing something may meet its current state: already signed, same day logged, taken…
STATE_CONFLICT = "Not possible in the record's current state"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the real error body on every 4xx of every operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for name, model in (("FieldError", FieldError), ("Error", Error)):
        components[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components[name].pop("$defs", None)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_REFUSALS.items():
                responses.setdefault(code, {"description": description})
            if method in ("post", "put", "patch", "delete"):
                responses.setdefault("409", {"description": STATE_CONFLICT})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = _error_response("")["content"]
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document_errors(generated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
