"""Answers kept per process until the next propagation run: what several pages compute
from the whole province and every viewer asks again.

A run follows every change of a record (a load, a filing, a repair) and is the only writer
of flags, so the latest run, with the question (its name and arguments), names the answer:
the overview's counts, the propagation page's flag counts, risk network and findings.
Computing them again for each viewer (a pass over every record in force, every flag, every
subject at risk or every post: most of a second to seconds at 1M organisations) would say
the same. What is kept must never be changed by its users; subject-level views are still
audited each time they are shown.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from dashboards import context
from graph.propagation import runs

T = TypeVar("T")
KEPT = 16  # answers kept per process: a few questions of the latest run
_KEPT: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_LOCK = threading.Lock()


def per_run(question: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s answer to ``question`` (a name and the arguments), kept until the
    next propagation run."""
    latest = runs.list_runs(context.services().repository, limit=1)
    key = (*question, latest[0].model_dump_json() if latest else "")
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            kept: T = _KEPT[key]
            return kept
    answer = compute()
    with _LOCK:
        _KEPT[key] = answer
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return answer
