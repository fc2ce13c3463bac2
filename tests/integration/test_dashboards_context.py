"""What a background callback's process gets from the context: services of its own.

Dash runs a background callback in a process forked from the server's. The parent's driver
connections and audit-writer thread do not survive a fork, so the child must open its own;
this forks as Dash does (multiprocess, the start method Dash's DiskcacheManager uses) and
asks the context from the child."""

from __future__ import annotations

from typing import Any

import multiprocess

from dashboards import context
from dashboards.app import create_dash
from graph.services import Services


def _in_child(answers: Any) -> None:
    # No Flask request or app context here, as in a background callback's process.
    opened = context.services()
    opened.repository.ping()
    answers.put((id(opened), opened.settings.neo4j_database))


def test_a_forked_process_opens_services_of_its_own(services: Services) -> None:
    create_dash(services)
    answers = multiprocess.Queue()
    child = multiprocess.Process(target=_in_child, args=(answers,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    opened_id, database = answers.get(timeout=5)
    assert opened_id != id(services)
    assert database == services.settings.neo4j_database
