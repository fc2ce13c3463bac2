"""Driver lifecycle: one ``neo4j.Driver`` per process, opened by whoever owns the process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import Driver, GraphDatabase, NotificationMinimumSeverity

from graph.settings import Settings

# Bounded so that a Neo4j outage surfaces as an error within seconds, never a hang.
CONNECTION_TIMEOUT_S = 5.0
ACQUISITION_TIMEOUT_S = 10.0
MAX_RETRY_TIME_S = 15.0


def create_driver(settings: Settings) -> Driver:
    return GraphDatabase.driver(
        settings.bolt_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        connection_timeout=CONNECTION_TIMEOUT_S,
        connection_acquisition_timeout=ACQUISITION_TIMEOUT_S,
        max_transaction_retry_time=MAX_RETRY_TIME_S,
        # Notifications (unknown label on an empty graph, deprecations) are for query authors
        # at a console; in a service they only flood the log.
        notifications_min_severity=NotificationMinimumSeverity.OFF,
    )


@contextmanager
def open_driver(settings: Settings) -> Iterator[Driver]:
    driver = create_driver(settings)
    try:
        yield driver
    finally:
        driver.close()
