"""A reusable leak walker: read everything one user can reach and look for secret markers.

Routes come from the app's own route table, so pages and endpoints added later are walked
without touching this file. A new *path parameter name* makes ``fill`` fail loudly until the
test that uses the walker gives it values (see ``PathValues``).

* ``walk_pages``: every HTML page reachable from the seeds (links, form actions and redirects;
  GET only, same origin, bounded), seeded with every GET page route of the app.
* ``walk_api``: every ``/api/`` GET route, its path parameters filled with the caller's values.
* ``text_of``: the readable text of a response (PDFs are read with pypdf, since their text is
  compressed and a byte search would miss it).
"""

from __future__ import annotations

import io
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routes are copied flat into app.routes

    def iter_route_contexts(routes: Any) -> Any:  # type: ignore[misc]
        return iter(routes)


# name of a path parameter -> the values to try (every combination is requested)
PathValues = dict[str, list[object]]

# Not personal data and not worth a request each: assets and the API explorer's HTML shell.
SKIP_PREFIXES = ("/static/", "/docs", "/redoc")


def get_routes(app: FastAPI) -> list[str]:
    """Every GET route path of ``app`` (mounted sub-apps such as /static excluded)."""
    paths = set()
    for route in iter_route_contexts(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path and methods and "GET" in methods:
            paths.add(path)
    assert paths, "no GET routes found: has FastAPI changed how app.routes looks?"
    return sorted(paths)


def param_names(path: str) -> list[str]:
    return re.findall(r"\{(\w+)(?::\w+)?\}", path)


def fill(path: str, values: PathValues) -> list[str]:
    """Every URL for ``path`` with its parameters replaced by each combination of ``values``."""
    names = param_names(path)
    missing = [n for n in names if n not in values]
    assert not missing, f"{path}: give the leak walk values for path parameter(s) {missing}"
    urls = []
    for combo in itertools.product(*(values[n] for n in names)):
        url = path
        for name, value in zip(names, combo, strict=True):
            start = url.index("{" + name)
            url = url[:start] + str(value) + url[url.index("}", start) + 1 :]
        urls.append(url)
    return urls


def text_of(response: httpx.Response) -> str:
    """What a reader of ``response`` can read, as text."""
    if response.headers.get("content-type", "").startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return response.content.decode("utf-8", errors="replace")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "area": "href", "form": "action", "iframe": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.found.append(value)
            if tag == "button" and name == "formaction" and value is not None:
                self.found.append(value)


def _same_origin(base: str, href: str) -> str | None:
    """``href`` resolved against ``base`` as a path+query, or None if it leaves the site."""
    href = href.strip()
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute, _ = urldefrag(urljoin(base, href))
    parts, origin = urlsplit(absolute), urlsplit(base)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
        return None
    local = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if local.startswith(SKIP_PREFIXES) else local


@dataclass
class Walk:
    """What one walk read: URL -> status, and every (URL, marker) found."""

    visited: dict[str, int] = field(default_factory=dict)
    leaks: list[tuple[str, str]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def check(self, url: str, text: str, markers: Iterable[str]) -> None:
        self.texts[url] = text
        self.leaks.extend((url, m) for m in markers if m in text)

    def seen(self, marker: str) -> bool:
        return any(marker in text for text in self.texts.values())


def walk_pages(
    client: TestClient, seeds: Iterable[str], markers: Iterable[str], *, limit: int = 400
) -> Walk:
    """Breadth-first over same-origin GETs from ``seeds``; fails if ``limit`` is reached (a
    page generating endless links would otherwise hide the rest)."""
    markers = list(markers)
    walk, queue = Walk(), deque(dict.fromkeys(seeds))
    queued = set(queue)
    base = str(client.base_url).rstrip("/") + "/"
    while queue:
        url = queue.popleft()
        assert len(walk.visited) < limit, f"leak walk passed {limit} pages; raise the limit?"
        response = client.get(url, follow_redirects=False)
        walk.visited[url] = response.status_code
        walk.check(url, text_of(response) + str(response.headers), markers)
        found: list[str] = []
        if "location" in response.headers:
            found.append(response.headers["location"])
        if response.headers.get("content-type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(response.text)
            found.extend(parser.found)
        for href in found:
            local = _same_origin(urljoin(base, url.lstrip("/")), href)
            if local is not None and local not in queued:
                queued.add(local)
                queue.append(local)
    return walk


def page_seeds(app: FastAPI, values: PathValues) -> Iterator[str]:
    """Every GET page route (not the JSON API) filled with ``values``."""
    for path in get_routes(app):
        if not path.startswith(("/api/", *SKIP_PREFIXES)):
            yield from fill(path, values)


def walk_api(
    client: TestClient,
    app: FastAPI,
    values: PathValues,
    markers: Iterable[str],
    headers: dict[str, str],
) -> Walk:
    """Every ``/api/`` GET route of ``app`` with ``values`` filled in, as ``headers``' caller."""
    markers = list(markers)
    walk = Walk()
    for path in get_routes(app):
        if path.startswith("/api/"):
            for url in fill(path, values):
                response = client.get(url, headers=headers, follow_redirects=False)
                walk.visited[url] = response.status_code
                walk.check(url, text_of(response) + str(response.headers), markers)
    return walk
