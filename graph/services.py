"""The one composition root: what a process needs to work on the graph, built once.

Whoever owns a process (``credit-graph serve`` and every other CLI command, the test
session, later the Dash app) calls :func:`open_services` once and closes the result when the
process is done; everything else receives the parts it needs. So there is one driver per
process, and the rules a flag is derived under are the rules the API explains it with: both
come from the same :class:`~graph.settings.Settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from neo4j import Driver

from graph.audit import AuditWriter
from graph.clock import Clock
from graph.propagation.rules import RuleSet, load_rules
from graph.review.credit_review import ReviewPolicy, load_policy
from graph.settings import Settings
from graph.store.driver import create_driver
from graph.store.repository import Repository


@dataclass(frozen=True)
class Services:
    settings: Settings
    # Held only to be closed: the repository is the one caller of the driver.
    driver: Driver
    repository: Repository
    rules: RuleSet
    policy: ReviewPolicy
    audit_writer: AuditWriter
    clock: Clock

    def close(self) -> None:
        # The audit writer flushes what is queued through the driver, so it stops first.
        self.audit_writer.close()
        self.driver.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Load the rules and the review policy named by ``settings``, then open the driver.

    Raises :class:`~graph.propagation.rules.RulesFileError` or
    :class:`~graph.review.credit_review.PolicyFileError` for a malformed file, before any
    connection is made. Opening does not wait for Neo4j: a server that is down is reported by
    the first query (and by ``/readyz``), so the API can start before its database does.
    """
    rules = load_rules(settings.rules_path)
    policy = load_policy(settings.review_policy_path)
    driver = create_driver(settings)
    repository = Repository(
        driver,
        settings.neo4j_database,
        query_timeout_s=settings.query_timeout_s,
        bulk_timeout_s=settings.bulk_timeout_s,
    )
    return Services(
        settings=settings,
        driver=driver,
        repository=repository,
        rules=rules,
        policy=policy,
        audit_writer=AuditWriter(repository),
        clock=clock or Clock(),
    )
