"""The lock files pin every dependency that pyproject.toml asks for, each with its hashes, so
`make run`, `make test` and `.ci/run` install the same versions everywhere (`make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pinned(lock: Path) -> dict[str, str]:
    text = lock.read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M))
    # Every pin carries at least one hash (pip --require-hashes refuses the file otherwise).
    blocks = re.split(r"^(?=[A-Za-z0-9_.\-]+==)", text, flags=re.M)[1:]
    assert all("--hash=sha256:" in block for block in blocks)
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


def test_every_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    app = {_name(r) for r in project["dependencies"]}
    test = {_name(r) for r in project["optional-dependencies"]["test"]}
    app_lock = _pinned(ROOT / "requirements.lock")
    test_lock = _pinned(ROOT / "requirements-test.lock")
    assert app <= set(app_lock), app - set(app_lock)
    assert app | test <= set(test_lock), (app | test) - set(test_lock)
    # Both files agree on the versions they share.
    shared = set(app_lock) & set(test_lock)
    assert {n: app_lock[n] for n in shared} == {n: test_lock[n] for n in shared}
