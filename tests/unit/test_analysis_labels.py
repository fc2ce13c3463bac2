"""The propagation and review pages label everything in both languages."""

from __future__ import annotations

import importlib
from types import ModuleType

import dash
import pytest

from dashboards.i18n import missing_labels


def _page(name: str) -> ModuleType:
    # A page registers itself on import, which Dash allows only once an app exists.
    dash.Dash(__name__, use_pages=True, pages_folder="")
    return importlib.import_module(f"dashboards.pages.{name}")


@pytest.mark.parametrize("name", ["propagation", "review"])
def test_every_label_exists_in_both_languages(name: str) -> None:
    assert missing_labels(_page(name).LABELS) == {}
