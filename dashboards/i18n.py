"""Chinese first, English one click away: the mechanism only.

Each page keeps its own labels beside its layout, as ``LABELS = {"zh": {...}, "en": {...}}``,
and reads them through :func:`translator`. The language is the viewer's choice, held in a
cookie (:mod:`dashboards.session` sets it), so a page is rendered in it from the first paint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal, TypeGuard

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

Labels = Mapping[str, Mapping[str, str]]


def is_lang(value: object) -> TypeGuard[Lang]:
    return value in LANGS


def other(lang: Lang) -> Lang:
    """The language the toggle switches to."""
    return "en" if lang == "zh" else "zh"


def translator(labels: Labels, lang: Lang) -> Callable[[str], str]:
    """``t(key)``: the label in ``lang``; a key missing there falls back to Chinese, and one
    missing in Chinese too raises ``KeyError`` (a page must not show a key as its label)."""
    chosen = labels.get(lang, {})
    chinese = labels[DEFAULT_LANG]

    def t(key: str) -> str:
        return chosen.get(key) or chinese[key]

    return t


def missing_labels(labels: Labels) -> dict[Lang, set[str]]:
    """The keys one language has and another lacks; pages' unit tests assert it is empty."""
    keys = {lang: set(labels.get(lang, {})) for lang in LANGS}
    every = set().union(*keys.values())
    return {lang: every - present for lang, present in keys.items() if every - present}
