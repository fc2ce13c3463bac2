"""Every label and relationship type written out in the Cypher is one of the schema's.

Cypher keeps its labels and types literal so it reads as Cypher; this test is what makes a
typo there fail loudly rather than match nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import graph.store.queries
from graph.store.schema import Label, Rel

# `(n:Label`, `(:Label:Other`, `n:Label` in a WHERE: a colon after a name or `(`, then a
# CamelCase word. Map keys (`{code: $code}`) are lowercase and types UPPER_CASE, so neither
# is caught.
LABEL = re.compile(r"[(\w]:([A-Z][a-z][A-Za-z]*)\b")
# `[:TYPE`, `[r:TYPE|OTHER`, `-[:TYPE*1..3]-`: upper-case words after `[name:` and after `|`.
REL_PATTERN = re.compile(r"\[\w*:([A-Z_|]+)")


def _statements() -> list[tuple[str, str]]:
    found = []
    for module in pkgutil.iter_modules(graph.store.queries.__path__):
        loaded = importlib.import_module(f"graph.store.queries.{module.name}")
        for name, value in vars(loaded).items():
            if name.isupper() and isinstance(value, str):
                found.append((f"{module.name}.{name}", value))
    return found


STATEMENTS = _statements()


def test_the_patterns_find_what_the_cypher_names() -> None:
    everything = "\n".join(cypher for _, cypher in STATEMENTS)
    assert {Label.ORGANIZATION, Label.PERSON, Label.RECORD} <= set(LABEL.findall(everything))
    types = {t for group in REL_PATTERN.findall(everything) for t in group.split("|")}
    assert {Rel.LEGAL_REP_OF, Rel.FLAGGED, Rel.HAS_RECORD} <= types


@pytest.mark.parametrize(("name", "cypher"), STATEMENTS, ids=[n for n, _ in STATEMENTS])
def test_labels_and_types_are_the_schemas(name: str, cypher: str) -> None:
    labels = set(LABEL.findall(cypher))
    types = {t for group in REL_PATTERN.findall(cypher) for t in group.split("|") if t}
    assert labels <= set(Label), f"{name}: unknown labels {sorted(labels - set(Label))}"
    assert types <= set(Rel), f"{name}: unknown relationship types {sorted(types - set(Rel))}"
