"""Browser tests: the real app served by uvicorn, driven by the system Chromium via Playwright.

How it is wired:

* The app runs in a background thread of the test process (uvicorn on 127.0.0.1, on a port the
  OS picks), against the same migrated test database as every other test (the ``engine``
  fixture of tests/conftest.py), so browser tests run on SQLite *and* PostgreSQL. Arrange data
  with the ``db`` fixture and ``db.commit()``; the rows are wiped after each test. With
  pytest-xdist every worker has its own database and its own server.
* Playwright's sync API launches the *system* Chromium (``/usr/bin/chromium``, or ``chromium``
  on PATH, or ``BUDDY_TEST_CHROMIUM``). A browser is never downloaded. Without Chromium the
  browser tests are skipped with a message — except under ``CI=true``, where they fail.
* Pages open in a 360 px wide viewport (the cheap phone the newcomers have), in English.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from app.config import Settings
from tests.conftest import IN_CI

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 360, "height": 740}
HERE = Path(__file__).parent
# The live server's session factory: ``login`` uses it to give staff their second-factor code.
_LIVE: dict[str, Any] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test in this folder is a browser test, even if its module forgets the marker.
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str | None:
    candidates = (
        os.environ.get("BUDDY_TEST_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    )
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = chromium_executable()
    if path is None:
        message = (
            "System Chromium not found (looked for /usr/bin/chromium and `chromium` on PATH); "
            "install it with `apt-get install chromium` to run the browser tests."
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """One Chromium for the whole run (starting it takes seconds); each test gets its own
    context, i.e. its own cookies. Playwright parks its event loop between calls, so tests
    using asyncio elsewhere in the suite are not disturbed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The application on a real socket, for this backend's test database."""
    import uvicorn

    from app.main import create_app

    settings = Settings(
        environment="test",
        database_url=database_url,
        secret_key="browser-test-secret-not-for-production",
        secret_file=tmp_path_factory.mktemp("browser") / "secret",
    )
    application = create_app(settings)
    _LIVE["sessionmaker"] = application.state.sessionmaker
    # Bound before uvicorn starts and handed over: no race for a "free" port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="browser-test-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        application.state.engine.dispose()


@pytest.fixture
def server_url(live_server: str, clean_db: Engine) -> str:
    """The server's address; the database is emptied after the test."""
    return live_server


def _new_page(browser: Any, server_url: str, **options: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=server_url, viewport=PHONE, locale="en-GB", **options)
    # Generous: a wait ends as soon as the page is there. On a busy two-core machine one
    # answer once took 9.8 s (GET /register/newcomer, which does no database work; the cause
    # was not found) and a 10 s navigation wait failed the test.
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, server_url: str) -> Iterator[Any]:
    """A fresh browser tab (own cookies) on a 360 px wide screen."""
    yield from _new_page(browser, server_url)


@pytest.fixture
def page_without_js(browser: Any, server_url: str) -> Iterator[Any]:
    """The same, with JavaScript switched off: every page must work without it."""
    yield from _new_page(browser, server_url, java_script_enabled=False)


def login(page: Any, email: str, password: str) -> None:
    """Log in through the form; staff accounts pass the second step (the code page) too."""
    from tests.factories import staff_otp

    code = staff_otp(_LIVE["sessionmaker"], email) if "sessionmaker" in _LIVE else None
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if code is not None and "/login/code" in page.url:
        page.fill("#f-code", code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


def fits_the_screen(page: Any) -> bool:
    """No sideways scrolling of the whole page on a phone (wide tables scroll by themselves)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
