"""Answers kept until the next propagation run, and asked before anyone does: after a run,
the server computes what the pages show as they open (dashboards/kept.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dashboards.app import create_dash
from dashboards.kept import Warming, per_run
from graph.propagation.recompute import incremental_recompute
from graph.services import Services

# The overview as it opens (all dates, Jiangsu), as its page asks it.
OPENS = ("overview", None, None, "32")


class NotKept(Exception):
    pass


def _not_computed() -> object:
    raise NotKept


def _kept(services: Services) -> bool:
    today = services.clock.today()
    try:
        per_run((OPENS[0], today, *OPENS[1:]), _not_computed)
    except NotKept:
        return False
    return True


def test_after_a_run_the_overview_is_ready_before_anyone_asks(
    services: Services, province: Path
) -> None:
    app = create_dash(services)
    record = services.repository.read_one("MATCH (r:Record) RETURN r.record_id AS id LIMIT 1")
    assert record is not None
    warming = Warming(app.server, every_s=0.1).start()
    try:
        with app.server.app_context():
            incremental_recompute(
                services.repository, services.rules, services.clock.today(), [record["id"]]
            )
            deadline = time.monotonic() + 60
            while not _kept(services):
                if time.monotonic() > deadline:
                    pytest.fail("the warming did not compute the overview after the run")
                time.sleep(0.1)
            # A later run makes the kept answer stale: it is computed again, not served.
            warming.stop()
            incremental_recompute(
                services.repository, services.rules, services.clock.today(), [record["id"]]
            )
            assert not _kept(services)
    finally:
        warming.stop()
