"""``GET /metrics`` for Prometheus (not part of the public API documentation)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from app.deps import SettingsDep
from app.operations.metrics import allowed, render

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request, settings: SettingsDep) -> Response:
    client = request.client.host if request.client else None
    if not allowed(
        settings.metrics_token, settings.metrics_networks, client,
        request.headers.get("authorization"),
    ):  # fmt: skip
        # 404, not 403: the public should not learn that there is something here.
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    body, content_type = render(request.app.state.metrics, request.app.state.sessionmaker)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
