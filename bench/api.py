"""API benchmark: the served app under concurrent clients, on a generated province.

    .venv/bin/python bench/api.py                 # 100k organisations
    .venv/bin/python bench/api.py --orgs 1000000  # 1M
    .venv/bin/python bench/api.py --seconds 5 --clients 1,8  # a quicker look

Runs on the province loaded once by bench/cached_province.py (kept for later runs). Propagates
first if the graph holds no flags yet, warms Neo4j's page cache by reading the whole store
once (as a server is warm after its first minutes in production), creates a regulator key,
and serves the real app with ``credit-graph serve`` in a child process on loopback: the
server has a Python interpreter (and a GIL) of its own, so what is measured is the service,
not the load generator. Before measuring, it serves every scenario until the JVM's JIT
compilers go quiet (``--jit-warmup``), since a fresh JVM compiles for minutes. The rate
limit is raised through the child's environment (CREDIT_GRAPH_RATE_LIMIT_*) so that it never
answers 429; every other setting is the default's, access log included.

The load generator is this process: N keep-alive connections, driven by asyncio with a
minimal HTTP/1.1 client, send requests back to back for ``--seconds`` after a discarded
warm-up (a client library in N threads spent more CPU per request than the cheaper endpoints
do, on the cores the server needs). For each of (a) subject profile, (b) 3-hop
related-party network, (c) a credit review of 100 subjects in the procurement context (90
random organisations and 10 with an active black-list record or a flag), (d) shortest
paths within 4 hops between two random organisations (mostly none: the search runs to its
bound, the worst case) at 1, 8 and 32 clients, it prints throughput (2xx responses per
second) and p50/p99 latency of the 2xx responses in ms, and counts every non-2xx answer or
transport error.
Subjects are a seeded random sample of organisations. Neo4j, the server and the clients
share the machine's cores, so the figures are a floor for a server of its own; the CPU time
the API process and the Neo4j JVM spend per request is printed beside them, as the steadier
figure when other work runs on the machine.

Every request writes an audit event, as in production; the bench deletes its own audit
events and revokes its key at the end, so the stored province is left as it was found.
Figures are printed, never asserted. Targets (issue #5): network p99 <= 150 ms at 8 clients,
profile >= 150 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from cached_province import ROOT, arguments, loaded_province  # bench/ is the script's directory

from graph.access import create_key, revoke_key
from graph.propagation.recompute import full_recompute
from graph.propagation.rules import RuleSet
from graph.settings import Settings
from graph.store.embedded import server
from graph.store.repository import Repository

AS_OF = date(2026, 11, 1)  # the generator's reference date
REVIEW_SIZE = 100
SANCTIONED_PER_REVIEW = 10
PATH_HOPS = 4  # the API's default
# High enough that the token bucket never refuses: the bench measures the service, not 429s.
UNLIMITED_RATE = 1_000_000
# The JIT counts as quiet below this share of one core, measured over rounds of this length.
JIT_QUIET = 0.05
JIT_ROUND_S = 15.0

ANY_FLAG = "RETURN EXISTS { MATCH (:Subject)-[:FLAGGED]->(:Record) } AS flagged"
ORGANIZATIONS = "MATCH (o:Organization) RETURN o.uscc AS key"
SANCTIONED = """
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record)
WHERE r.list = 'black' AND r.status = 'active'
RETURN coalesce(s.uscc, s.pid) AS key
UNION
MATCH (s:Subject)-[:FLAGGED]->(:Record)
RETURN coalesce(s.uscc, s.pid) AS key
"""
# Each touches every record of its store once (the page cache holds the whole store).
WARM_UP = [
    "MATCH (n) RETURN count(*) AS nodes, sum(size(keys(n)) + size(coalesce(n.name, ''))) AS p",
    "MATCH ()-[r]->() RETURN count(*) AS relationships, sum(size(keys(r))) AS p",
    "MATCH (o:Organization) WHERE o.uscc >= '' RETURN count(*) AS keys",
    "MATCH (p:Person) WHERE p.pid >= '' RETURN count(*) AS keys",
]
# In batches, so a long run's events never make one large transaction.
DELETE_AUDIT_EVENTS = """
MATCH (e:AuditEvent {key_id: $key_id})
WITH e LIMIT 10000
DELETE e
RETURN count(*) AS deleted
"""


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    calls: list[Call]


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    finished: float = 0.0


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="Measured time per run.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Discarded time per scenario.")
    parser.add_argument("--clients", default="1,8,32", help="Concurrency levels, comma-separated.")
    parser.add_argument("--sample", type=int, default=2000, help="Organisations sampled.")
    parser.add_argument("--reviews", type=int, default=50, help="Distinct review batches.")
    parser.add_argument(
        "--jit-warmup",
        type=float,
        default=300.0,
        help="At most this long, serve every scenario until the JVM's JIT compilers go quiet.",
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]

    with loaded_province(args) as services:
        repo, settings = services.repository, services.settings
        (neo4j,) = [
            s.pid for s in server.running_servers(settings) if s.port == settings.embedded_port
        ]
        ensure_flags(repo, services.rules)
        warm_page_cache(repo)
        scenarios = build_scenarios(repo, args.sample, args.reviews)
        principal, key = create_key(
            repo, "regulator", "bench/api.py", own_province=settings.province_code
        )
        headers = {"X-API-Key": key, "X-Purpose": "bench/api.py load test"}
        try:
            log = args.work_dir / "api-server.log"
            with served(settings, log) as (base_url, api):
                print(
                    f"\nserving {base_url} with `credit-graph serve` in a child process "
                    f"(log {log}); {args.seconds:g}s per run after {args.warmup:g}s warm-up"
                )
                warm_jit(base_url, headers, scenarios, neo4j, args.jit_warmup)
                results = run_all(base_url, headers, scenarios, levels, args, (api, neo4j))
        finally:
            deleted = clean_up(repo, principal.key_id)
            print(f"\nremoved the bench's {deleted:,} audit events and revoked its key")
        report_targets(results)


def warm_page_cache(repo: Repository) -> None:
    """Read every node, relationship, property and key index once, as a production server is
    warm after its first minutes: otherwise the runs measure first reads from disk (a
    random subject's neighbourhood is rarely in the cache yet), not the service."""
    began = time.perf_counter()
    for query in WARM_UP:
        repo.read(query)
    print(f"page cache: warmed in {time.perf_counter() - began:.0f}s")


def warm_jit(
    base_url: str, headers: dict[str, str], scenarios: list[Scenario], neo4j: int, budget: float
) -> None:
    """Serve every scenario in rounds until the JVM's JIT compilers are nearly idle, as they
    are in a server that has run for a while. A fresh JVM compiles the Cypher runtime's hot
    paths for minutes: its C2 compiler thread alone took half a core through a whole
    20 s-per-run bench, which made Neo4j's CPU per request swing by 2x between runs."""
    began = time.perf_counter()
    share = 1.0
    while time.perf_counter() - began < budget and share > JIT_QUIET:
        compiled, started = _compiler_seconds(neo4j), time.perf_counter()
        for scenario in scenarios:
            load(base_url, headers, scenario, 8, JIT_ROUND_S / len(scenarios))
        share = (_compiler_seconds(neo4j) - compiled) / (time.perf_counter() - started)
    print(
        f"JIT: warmed for {time.perf_counter() - began:.0f}s; the compiler threads used "
        f"{share:.0%} of a core in the last {JIT_ROUND_S:g}s round"
    )


def ensure_flags(repo: Repository, rules: RuleSet) -> None:
    row = repo.read_one(ANY_FLAG)
    if row is not None and row["flagged"]:
        print("flags: present (propagated earlier)")
        return
    run = full_recompute(repo, rules, AS_OF)
    print(
        f"flags: none stored; propagated {run.records:,} records -> {run.flags:,} flags "
        f"in {run.seconds:.1f}s"
    )


def build_scenarios(repo: Repository, sample: int, reviews: int) -> list[Scenario]:
    rng = random.Random(7)
    organizations = [row["key"] for row in repo.stream(ORGANIZATIONS)]
    keys = rng.sample(organizations, min(sample, len(organizations)))
    sanctioned = sorted({row["key"] for row in repo.stream(SANCTIONED)})
    print(
        f"subjects: {len(keys):,} random of {len(organizations):,} organisations; "
        f"{len(sanctioned):,} subjects with an active black-list record or a flag"
    )
    batches = []
    for _ in range(reviews):
        bad = rng.sample(sanctioned, min(SANCTIONED_PER_REVIEW, len(sanctioned)))
        batch = bad + rng.sample(organizations, REVIEW_SIZE - len(bad))
        rng.shuffle(batch)
        batches.append(batch)
    as_of = AS_OF.isoformat()
    return [
        Scenario("profile", [Call("GET", f"/api/v1/subjects/{k}") for k in keys]),
        Scenario(
            "network 3 hops",
            [Call("GET", f"/api/v1/subjects/{k}/network?hops=3&as_of={as_of}") for k in keys],
        ),
        Scenario(
            f"paths {PATH_HOPS} hops",
            [
                Call("GET", f"/api/v1/paths?source={a}&target={b}&max_hops={PATH_HOPS}")
                for a, b in zip(keys[::2], keys[1::2], strict=False)
            ],
        ),
        Scenario(
            f"review of {REVIEW_SIZE}",
            [
                Call(
                    "POST",
                    "/api/v1/reviews",
                    {"subjects": batch, "context": "procurement", "as_of": as_of},
                )
                for batch in batches
            ],
        ),
    ]


@contextmanager
def served(settings: Settings, log: Path) -> Iterator[tuple[str, int]]:
    """The real app behind uvicorn (``credit-graph serve``) in a child process; yields its
    URL and process id."""
    port = _free_port()
    environment = {
        **os.environ,
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
        "CREDIT_GRAPH_ENVIRONMENT": settings.environment,
        "CREDIT_GRAPH_RATE_LIMIT_PER_S": str(UNLIMITED_RATE),
        "CREDIT_GRAPH_RATE_LIMIT_BURST": str(UNLIMITED_RATE),
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=out)
        try:
            _wait_until_up(url, process, log)
            yield url, process.pid
        finally:
            process.terminate()  # uvicorn shuts down gracefully on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API server did not answer within 60 s; see {log}")


def run_all(
    base_url: str,
    headers: dict[str, str],
    scenarios: list[Scenario],
    levels: list[int],
    args: argparse.Namespace,
    pids: tuple[int, int],
) -> dict[tuple[str, int], tuple[float, float, float]]:
    """Every scenario at every level; returns (req/s, p50 ms, p99 ms) by (scenario, clients).
    ``pids`` are the API server's and Neo4j's, whose CPU time per request is printed."""
    print(
        f"\n{'scenario':<16}{'clients':>8}{'2xx':>9}{'req/s':>10}{'p50 ms':>10}"
        f"{'p99 ms':>10}{'errors':>9}   CPU ms/req: API  Neo4j"
    )
    results = {}
    failed = 0
    for scenario in scenarios:
        load(base_url, headers, scenario, max(levels), args.warmup)
        for clients in levels:
            cpu = [_cpu_seconds(pid) for pid in pids]
            began, outcomes = load(base_url, headers, scenario, clients, args.seconds)
            cpu = [_cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)]
            latencies = [ms for o in outcomes for ms in o.latencies_ms]
            failures = sum((o.failures for o in outcomes), Counter[str]())
            elapsed = max(o.finished for o in outcomes) - began
            rate = len(latencies) / elapsed
            p50, p99 = _percentiles(latencies)
            results[(scenario.name, clients)] = (rate, p50, p99)
            errors = sum(failures.values())
            failed += errors
            api_ms, neo4j_ms = (1000 * s / max(1, len(latencies) + errors) for s in cpu)
            print(
                f"{scenario.name:<16}{clients:>8}{len(latencies):>9,}{rate:>10.1f}"
                f"{p50:>10.1f}{p99:>10.1f}{errors:>9,}{api_ms:>17.1f}{neo4j_ms:>7.1f}"
            )
            if failures:
                listing = ", ".join(f"{what} x{n}" for what, n in failures.most_common())
                print(f"{'':<16}failed: {listing}")
    if failed:
        print(
            f"\nWARNING: {failed:,} requests failed (non-2xx or transport errors); "
            "rates and latencies above count 2xx responses only"
        )
    else:
        print("\nno request failed: every response was 2xx")
    return results


def load(
    base_url: str, headers: dict[str, str], scenario: Scenario, clients: int, seconds: float
) -> tuple[float, list[Outcome]]:
    """``clients`` keep-alive connections sending ``scenario``'s calls back to back for
    ``seconds``; returns the common start time and each client's outcome."""
    return asyncio.run(_load(base_url, headers, scenario, clients, seconds))


async def _load(
    base_url: str, headers: dict[str, str], scenario: Scenario, clients: int, seconds: float
) -> tuple[float, list[Outcome]]:
    url = httpx.URL(base_url)
    host, port = url.host, url.port
    assert port is not None
    connections = [await asyncio.open_connection(host, port) for _ in range(clients)]
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            _client(reader, writer, host, headers, scenario, started + seconds, random.Random(i))
            for i, (reader, writer) in enumerate(connections)
        )
    )
    return started, list(outcomes)


async def _client(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    headers: dict[str, str],
    scenario: Scenario,
    deadline: float,
    rng: random.Random,
) -> Outcome:
    """One client: a request, its whole response, the next. Plain HTTP/1.1 over asyncio
    streams, because a full client library costs more CPU per request than the server's
    cheaper endpoints and would share the same two cores."""
    outcome = Outcome()
    fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    requests = [_request_bytes(call, host, fixed) for call in scenario.calls]
    try:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            writer.write(rng.choice(requests))
            try:
                status = await _response_status(reader)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                outcome.failures[type(exc).__name__] += 1
                break
            if 200 <= status < 300:
                outcome.latencies_ms.append((time.perf_counter() - began) * 1000)
            else:
                outcome.failures[f"HTTP {status}"] += 1
    finally:
        outcome.finished = time.perf_counter()
        writer.close()
    return outcome


def _request_bytes(call: Call, host: str, fixed_headers: str) -> bytes:
    body = json.dumps(call.body).encode() if call.body is not None else b""
    head = f"{call.method} {call.url} HTTP/1.1\r\nHost: {host}\r\n{fixed_headers}"
    if call.body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def _response_status(reader: asyncio.StreamReader) -> int:
    """Read one response to its end (the app answers with Content-Length); its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status_line, *lines = head.split("\r\n")
    length = next(
        (
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        ),
        None,
    )
    if length is None:
        raise ValueError(f"a response without Content-Length: {status_line}")
    await reader.readexactly(length)
    return int(status_line.split(" ", 2)[1])


def report_targets(results: dict[tuple[str, int], tuple[float, float, float]]) -> None:
    network = results.get(("network 3 hops", 8))
    profile = [
        (rate, clients) for (name, clients), (rate, _, _) in results.items() if name == "profile"
    ]
    print("\ntargets (issue #5):")
    measured = f"{network[2]:.1f} ms" if network else "not run (needs --clients with 8)"
    print(f"  network p99 <= 150 ms at 8 clients: {measured}")
    if profile:
        rate, clients = max(profile)
        print(f"  profile >= 150 req/s: best {rate:.1f} req/s at {clients} clients")


def clean_up(repo: Repository, key_id: str) -> int:
    deleted = 0
    while batch := repo.write_returning(DELETE_AUDIT_EVENTS, key_id=key_id)[0]["deleted"]:
        deleted += batch
    revoke_key(repo, key_id)
    return deleted


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    if len(latencies) < 2:
        return (latencies[0], latencies[0]) if latencies else (float("nan"), float("nan"))
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[98]


def _cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system CPU time of a process (or one of its threads) so far (Linux)."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    with open(path) as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _compiler_seconds(pid: int) -> float:
    """CPU time of a JVM's JIT compiler threads so far (Linux)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        if (task / "comm").read_text().startswith(("C1 Compiler", "C2 Compiler")):
            total += _cpu_seconds(pid, int(task.name))
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
