"""Security headers on every response (pure ASGI, so error and refusal answers get them too).

* A strict Content-Security-Policy: scripts, styles, images and fonts from this site only; no
  inline script or style (templates keep their CSS and JavaScript in /static); no framing.
* ``no-store`` on everything but the static assets: pages, JSON, PDFs, calendar files and CSV
  exports hold personal data, and a shared computer at a welcome desk must not keep them.
* HSTS in production (served over HTTPS behind a proxy).

The API documentation (/docs, /redoc) is served from the application itself (no CDN), but
FastAPI's Swagger UI page starts itself with an inline script and ReDoc injects its styles, so
those pages get a policy that allows exactly that (see ``DOCS_POLICY``); every other answer,
/openapi.json included, gets the strict one.
"""

from __future__ import annotations

from app.web.guard import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The documentation pages: their bundles from this site (app/web/docs.py), FastAPI's one inline
# bootstrap script (which cannot carry a nonce without replacing FastAPI's page) and ReDoc's
# injected styles and web worker; nothing from elsewhere.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"


def headers_for(path: str, *, production: bool) -> list[tuple[bytes, bytes]]:
    policy = DOCS_POLICY if path in DOCS_PAGES else POLICY
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if not path.startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    if production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = headers_for(scope["path"], production=self.production)
        names = {name for name, _ in ours}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + ours
            await send(message)

        await self.app(scope, receive, with_headers)
