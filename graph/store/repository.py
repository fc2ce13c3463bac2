"""The one module that calls the Neo4j driver.

Everything else hands it Cypher constants (from :mod:`graph.store.queries`) and parameters and
gets plain dicts back — never driver ``Record``s, and temporal values as ``datetime``
types, not the driver's own. A read is one auto-commit statement in READ mode; writes are
retried transaction functions, so every write query must be idempotent (an upsert on natural
keys), which makes a retry change nothing twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol, TypeVar

from neo4j import Driver, ManagedTransaction, Query, Record, Session, Transaction, unit_of_work
from neo4j.exceptions import ClientError, ConstraintError, TransientError
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Time

Row = dict[str, Any]
T = TypeVar("T")
# Tries of a statement the server may refuse for a moment (a deadlock on schema or lock
# nodes), each after a short random pause.
ATTEMPTS = 5


class KeyTaken(Exception):
    """A write would have made a second node with a key a unique constraint protects: another
    writer committed it first. The transaction was rolled back (the driver does not retry
    it); the caller decides whether to look again."""


class QueryTimedOut(Exception):
    """A statement ran over its transaction timeout and the server terminated it; nothing it
    would have written was committed."""


# The server's codes for a transaction it terminated at a timeout: the one the client set,
# and the server's own db.transaction.timeout.
_TIMEOUT_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
    }
)


@contextmanager
def _timeouts_reported() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        if exc.code in _TIMEOUT_CODES:
            raise QueryTimedOut(exc.code) from None
        raise


class Reader(Protocol):
    """The read side of a :class:`Repository`, as the ingest look-ups use it
    (:func:`graph.ingest.writes.check_in_graph`). A Repository answers from the graph; an
    initial load (``loaders/initial``) from the keys of the load itself, as the graph would
    hold them had the load been written row by row."""

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]: ...

    def read_one(self, query: str, **params: Any) -> dict[str, Any] | None: ...


@dataclass
class WriteCounts:
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    nodes_deleted: int = 0
    relationships_deleted: int = 0

    def add(self, other: WriteCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Repository:
    """Every statement runs under a transaction timeout: ``query_timeout_s`` for the reads
    and writes of a request or a batch, ``bulk_timeout_s`` for whole-graph streams and schema
    work, which only commands run. The server terminates a statement over it, so no query
    holds a request, a thread or the database's memory without bound."""

    def __init__(
        self, driver: Driver, database: str, *, query_timeout_s: float, bulk_timeout_s: float
    ) -> None:
        self._driver = driver
        self._database = database
        self._timeout = query_timeout_s
        self._bulk_timeout = bulk_timeout_s

    def read(self, query: str, **params: Any) -> list[Row]:
        # An auto-commit statement is one round trip where a managed transaction takes two
        # (BEGIN and RUN, then COMMIT): it halves the latency and driver CPU of every read.
        # One statement is atomic by itself; a read is not retried, so a failure reaches the
        # caller at once (the API answers 503).
        statement = Query(query, timeout=self._timeout)
        with (
            _timeouts_reported(),
            self._driver.session(database=self._database, default_access_mode="READ") as s,
        ):
            return [_plain_record(record) for record in s.run(statement, params)]

    def read_one(self, query: str, **params: Any) -> Row | None:
        rows = self.read(query, **params)
        return rows[0] if rows else None

    def stream(self, query: str, **params: Any) -> Iterator[Row]:
        """Rows one at a time, for results too large to hold (exports, projections)."""
        statement = Query(query, timeout=self._bulk_timeout)
        with (
            _timeouts_reported(),
            self._driver.session(database=self._database, default_access_mode="READ") as s,
        ):
            yield from (_plain_record(record) for record in s.run(statement, params))

    def write(self, query: str, **params: Any) -> WriteCounts:
        def work(tx: ManagedTransaction) -> WriteCounts:
            return _counts(tx.run(query, params).consume().counters)

        return self._execute_write(work)

    def write_returning(self, query: str, **params: Any) -> list[Row]:
        def work(tx: ManagedTransaction) -> list[Row]:
            return [_plain_record(record) for record in tx.run(query, params)]

        return self._execute_write(work)

    def _execute_write(self, work: Callable[[ManagedTransaction], T]) -> T:
        timed = unit_of_work(timeout=self._timeout)(work)
        try:
            with _timeouts_reported(), self._driver.session(database=self._database) as session:
                return session.execute_write(timed)
        except ConstraintError as exc:
            # The server's message quotes the offending key, which may be a pid: not passed on.
            raise KeyTaken(exc.code) from None

    def write_unit(self, work: Callable[[Unit], T]) -> T:
        """Run several statements as one transaction: ``work`` gets a :class:`Unit` and
        everything it runs commits together or not at all. Retried like every write, so
        ``work`` must be idempotent."""

        def unit(tx: ManagedTransaction) -> T:
            return work(Unit(tx))

        return self._execute_write(unit)

    def write_batches(
        self,
        query: str,
        rows: Iterable[Row],
        batch_size: int,
        on_batch: Callable[[int], None] | None = None,
        **params: Any,
    ) -> WriteCounts:
        """Run ``query`` with ``$rows`` bound to successive batches, one transaction each."""
        total = WriteCounts()
        iterator = iter(rows)
        while batch := list(islice(iterator, batch_size)):
            total.add(self.write(query, rows=batch, **params))
            if on_batch is not None:
                on_batch(len(batch))
        return total

    @contextmanager
    def holding(self, query: str, **params: Any) -> Iterator[None]:
        """Run ``query`` in a write transaction kept open while the block runs: the write
        locks it takes keep every other transaction that asks for them waiting until the
        block ends, across threads and processes. The block's own statements run in
        transactions of their own. The transaction lives at most the bulk timeout; a
        deadlock the server reports while the locks are taken is retried."""
        with _timeouts_reported(), self._driver.session(database=self._database) as session:
            tx = _locked(session, query, params, self._bulk_timeout)
            try:
                yield
            except BaseException:
                tx.close()  # rolls back: the locks' own writes are not kept
                raise
            tx.commit()

    def run_ddl(self, statement: str) -> None:
        # Schema statements cannot share a transaction with data; auto-commit is required,
        # and the driver retries only managed transactions. Two processes changing the schema
        # at once (two loads starting together) can deadlock on its locks: our statements
        # are idempotent (IF [NOT] EXISTS), so they are retried here.
        def run() -> None:
            with _timeouts_reported(), self._driver.session(database=self._database) as session:
                session.run(Query(statement, timeout=self._bulk_timeout)).consume()

        _retried(run)

    def ping(self) -> None:
        self._driver.verify_connectivity()


def _retried(action: Callable[[], T]) -> T:
    """``action``, tried again after a short random pause while the server refuses it for a
    moment (:class:`TransientError`), at most :data:`ATTEMPTS` times."""
    attempt = 1
    while True:
        try:
            return action()
        except TransientError:
            if attempt == ATTEMPTS:
                raise
            time.sleep(random.uniform(0.1, 0.5) * attempt)
            attempt += 1


def _locked(session: Session, query: str, params: Row, timeout_s: float) -> Transaction:
    def take() -> Transaction:
        tx = session.begin_transaction(timeout=timeout_s)
        try:
            tx.run(query, params).consume()
        except TransientError:
            tx.close()
            raise
        return tx

    return _retried(take)


class Unit:
    """The statements of one write transaction (:meth:`Repository.write_unit`)."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx

    def run(self, query: str, **params: Any) -> list[Row]:
        return [_plain_record(record) for record in self._tx.run(query, params)]


def _plain_record(record: Record) -> Row:
    """``record.data()`` with temporal values made native, in one walk over the values
    rather than two (the driver's walk tests every value against abstract base classes: it
    was half the client-side CPU of a big trace)."""
    return {key: _plain(value) for key, value in zip(record.keys(), record.values(), strict=True)}


_TEMPORAL = (Date, DateTime, Time)


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if kind in _TEMPORAL:
        return value.to_native()
    if kind is Node:  # its properties, as Record.data() gives them
        return _plain(dict(value))
    if isinstance(value, (Relationship, Path)):
        raise TypeError("a query returns maps and nodes, not relationships or paths")
    return value


def _counts(counters: Any) -> WriteCounts:
    return WriteCounts(
        nodes_created=counters.nodes_created,
        relationships_created=counters.relationships_created,
        properties_set=counters.properties_set,
        nodes_deleted=counters.nodes_deleted,
        relationships_deleted=counters.relationships_deleted,
    )
