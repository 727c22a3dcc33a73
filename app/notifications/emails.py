"""Rendering one email in the recipient's language: subject, plain text and HTML.

Each kind of email is ONE template, ``frontend/templates/notifications/<kind>.html``, with a
``subject`` and a ``body`` block. The body is written with two helpers, ``para(text)`` and
``action(url, label)``, and rendered twice: once with autoescaping into HTML, once without into
plain text (wrapped at 72 columns, links spelled out). One source means the two versions can
never say different things, and the ``.html`` extension puts every sentence in the catalog
that Babel extracts (babel.cfg).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from markupsafe import Markup, escape

from app.i18n.catalog import gettext, isolate, ngettext, pgettext, text_direction

if TYPE_CHECKING:
    from jinja2 import Environment

# Context keys that hold a person's typed name.
NAME_KEYS = frozenset({"name", "newcomer", "volunteer", "buddy"})
TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates"
KINDS = (
    "panel_ready",
    "chosen",
    "please_sign",
    "declined",
    "ended_early",
    "contract_active",
    "nomeet1",
    "nomeet2",
    "ending_soon",
    "completed",
    "extension_proposed",  # app/notifications/extensions.py
    "extension_agreed",
    "event_invitation",
    "event_reminder",
    "event_seat",
    "password_reset",
    "intake_booked",
    "intake_reminder",
    "inactive_warning",  # app/privacy/retention.py
)
WIDTH = 72

_P_STYLE = "margin:0 0 1em"
_A_STYLE = (
    "display:inline-block;padding:10px 18px;border-radius:8px;background:#0b6e4f;"
    "color:#ffffff;text-decoration:none;font-weight:600"
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _environment(html: bool) -> Environment:
    # Imported when the first email is rendered: `buddy tick` loads this module on every run,
    # mostly with nothing to send.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def _text_helpers() -> dict[str, Callable[..., str]]:
    def para(text: str) -> str:
        wrapped = textwrap.fill(
            " ".join(str(text).split()), WIDTH, break_long_words=False, break_on_hyphens=False
        )
        return wrapped + "\n\n"

    def action(url: str, label: str) -> str:
        return f"{label}\n{url}\n\n"  # no colon: its spacing differs per language

    return {"para": para, "action": action}


def _html_helpers() -> dict[str, Callable[..., Markup]]:
    def para(text: str) -> Markup:
        return Markup('<p style="{}">{}</p>\n').format(_P_STYLE, text)

    def action(url: str, label: str) -> Markup:
        return Markup('<p style="{}"><a href="{}" style="{}">{}</a></p>\n').format(
            _P_STYLE, url, _A_STYLE, label
        )

    return {"para": para, "action": action}


def _normalise_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def translators(locale: str) -> dict[str, Callable[..., str]]:
    def _(message: str, **params: Any) -> str:
        return gettext(locale, message, **params)

    def _n(singular: str, plural: str, n: int, **params: Any) -> str:
        return ngettext(locale, singular, plural, n, **params)

    def _p(context: str, message: str, **params: Any) -> str:
        return pgettext(locale, context, message, **params)

    def long_date(value: date) -> str:
        return format_date(value, "long", locale=locale)

    return {"_": _, "gettext": _, "ngettext": _n, "pgettext": _p, "long_date": long_date}


def render_email(kind: str, locale: str, context: dict[str, Any]) -> Rendered:
    """Render ``kind`` for a reader of ``locale``; ``context`` holds the template's variables."""
    whole = _render(kind, locale, context)
    return Rendered(subject=whole.subject[:300], text=whole.text, html=whole.html)


def _render(kind: str, locale: str, context: dict[str, Any]) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    name = f"notifications/{kind}.html"
    # Typed names sit inside translated sentences: isolated, a Latin name keeps its place in an
    # Arabic sentence and an Arabic name in a Dutch one (plain text and HTML alike).
    names = {k: isolate(v) for k, v in context.items() if k in NAME_KEYS and isinstance(v, str)}
    base = {**translators(locale), **context, **names, "locale": locale,
            "dir": text_direction(locale)}

    text_template = _environment(False).get_template(name)
    text_context = text_template.new_context({**base, **_text_helpers(), "html": False})
    subject = " ".join("".join(text_template.blocks["subject"](text_context)).split())
    text = _normalise_text(text_template.render({**base, **_text_helpers(), "html": False}))

    html_template = _environment(True).get_template(name)
    html = html_template.render({**base, **_html_helpers(), "html": True})
    return Rendered(subject=subject, text=text, html=html)


# Stand-ins for each recipient's own values while a template is rendered once for many
# (Unicode private use: no name contains them, and escaping and wrapping leave them alone).
_SLOTS = tuple(chr(0xE000 + i) for i in range(8))


def render_each(
    kind: str, locale: str, contexts: Sequence[dict[str, Any]], personal: tuple[str, ...]
) -> list[Rendered]:
    """``render_email`` for each context, in ``locale``: the template is rendered once per
    distinct rest of the context, with stand-ins for the ``personal`` values (the recipient's
    name), which are then put in — escaped in the HTML part. A matching round's 500 "panel
    ready" emails share their date, link and mostly their candidate count, and rendering each
    in full took longer than storing all of them.

    Only for values a template shows as they are, inside a sentence (no filter). A value the
    full rendering could treat differently — whitespace the plain text would collapse, a
    paragraph it would wrap differently — is rendered in full instead. And the first message
    is rendered both ways: should a template ever change a value (a filter, an attribute),
    every message is rendered in full rather than differ from ``render_email``."""
    slots = dict(zip(personal, _SLOTS, strict=False))
    if len(slots) < len(personal):
        raise ValueError("too many personal values")
    shapes: dict[tuple[tuple[str, Any], ...], Rendered] = {}
    out: list[Rendered] = []
    checked = False
    for context in contexts:
        rest = tuple(sorted((k, v) for k, v in context.items() if k not in slots))
        values = {slots[k]: context.get(k) for k in personal}
        filled = None
        if all(_plain(v) for v in values.values()) and _hashable(rest):
            if rest not in shapes:
                shapes[rest] = _render(kind, locale, {**context, **{k: slots[k] for k in slots}})
            filled = _fill(shapes[rest], values)  # type: ignore[arg-type]
            if filled is not None and not checked:
                checked = True
                if filled != render_email(kind, locale, context):
                    return [render_email(kind, locale, c) for c in contexts]
        out.append(filled or render_email(kind, locale, context))
    return out


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _plain(value: object) -> bool:
    """A non-empty string with single spaces only and no stand-in: shown exactly as given."""
    return (
        isinstance(value, str)
        and value == " ".join(value.split())
        and value != ""
        and not any(slot in value for slot in _SLOTS)
    )


def _fill(shape: Rendered, values: dict[str, str]) -> Rendered | None:
    subject, text, html = shape.subject, shape.text, shape.html
    for slot, value in values.items():
        subject = subject.replace(slot, value)
        text = text.replace(slot, value)
        html = html.replace(slot, str(escape(value)))
    # A paragraph holding a value must be wrapped as ``para`` would wrap it with the value in.
    for block, filled in zip(shape.text.split("\n\n"), text.split("\n\n"), strict=True):
        if any(slot in block for slot in values) and _wrap(filled) != filled:
            return None
    return Rendered(subject=subject[:300], text=text, html=html)


def _wrap(block: str) -> str:
    return textwrap.fill(
        " ".join(block.split()), WIDTH, break_long_words=False, break_on_hyphens=False
    )
