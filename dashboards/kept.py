"""Answers kept per process until the next propagation run: what several pages compute
from the whole province and every viewer asks again.

A run follows every change of a record (a load, a filing, a repair) and is the only writer
of flags, so the latest run, with the question (its name and arguments), names the answer:
the overview's counts, the propagation page's flag counts, risk network and findings.
Computing them again for each viewer (a pass over every record in force, every flag, every
subject at risk or every post: most of a second to seconds at 1M organisations) would say
the same. What is kept must never be changed by its users; subject-level views are still
audited each time they are shown.

The pages' default questions (today, no filter) are also asked as soon as a run is seen
(:func:`warm_after_runs`, :class:`Warming`), so the first viewer after a load or a filing
does not wait for the whole province to be read.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import flask

from dashboards import context
from graph.propagation import runs

T = TypeVar("T")
KEPT = 16  # answers kept per process: a few questions of the latest run
_KEPT: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
# The pages' default questions, asked again after each run, by name: Dash executes a page's
# module again for each app it makes, which registers its questions again.
_WARMERS: dict[str, Callable[[], object]] = {}
_log = logging.getLogger(__name__)


def per_run(question: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s answer to ``question`` (a name and the arguments), kept until the
    next propagation run."""
    key = (*question, _latest_run())
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


def _latest_run() -> str:
    latest = runs.list_runs(context.services().repository, limit=1)
    return latest[0].model_dump_json() if latest else ""


def warm_after_runs(question: Callable[[], object]) -> Callable[[], object]:
    """Register a page's default question (a function asking it through :func:`per_run`),
    to be asked whenever a new run is seen. Use as a decorator."""
    _WARMERS[f"{question.__module__}.{question.__qualname__}"] = question
    return question


def warm() -> None:
    """Ask every registered question now (in the app's context)."""
    for question in list(_WARMERS.values()):
        question()


class Warming:
    """A thread that looks for a new run every ``every_s`` seconds and then asks every
    registered question, in the app context of ``server`` (whose services it reads with).
    A failure is logged and tried again at the next run seen, never raised."""

    def __init__(self, server: flask.Flask, every_s: float) -> None:
        self._server = server
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboards-warming", daemon=True)

    def start(self) -> Warming:
        if self._every_s > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        seen: str | None = None
        while not self._stop.is_set():
            with self._server.app_context():
                try:
                    latest = _latest_run()
                    if latest != seen:
                        warm()
                        seen = latest
                except Exception:  # the database may be down or busy: try at the next look
                    _log.warning("dashboards: warming the kept answers failed", exc_info=True)
            self._stop.wait(self._every_s)
