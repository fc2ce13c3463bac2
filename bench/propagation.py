"""Propagation and tracing benchmark on a generated province.

    .venv/bin/python bench/propagation.py                 # 100k organisations
    .venv/bin/python bench/propagation.py --orgs 1000000  # 1M
    .venv/bin/python bench/propagation.py --only trace ownership  # re-measure some parts

Runs on the province loaded once by bench/cached_province.py (kept for later runs), and prints:
- full propagation where the computation runs in Neo4j's neighbourhood (the engine asks
  Neo4j one hop per frontier), and the alternative measured in the same run: project the
  propagation relationships into networkx, run the same engine in memory, write back
  (projection and engine time are printed apart; both write the same flags);
- incremental propagation after one record changes (repaired, then restored);
- p50/p99 of a 3-hop related-party trace over 1,000 random subjects;
- p50/p99 of ownership (beneficial owners and actual controller, by the repository function
  the API calls) over 1,000 random organisations, and how many answers a bound cut.
Figures are printed, never asserted. Targets (issue #4): full ≤ 60 s at 1M, incremental
≤ 1 s, trace p99 ≤ 100 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date

import networkx as nx
from cached_province import arguments, loaded_province  # bench/ is the script's directory

from graph.propagation.engine import NetworkxGraph, propagate
from graph.propagation.recompute import full_recompute, incremental_recompute, source_record
from graph.propagation.rules import RuleSet
from graph.reads.ownership_graph import ownership_of
from graph.reads.tracing import related_parties
from graph.store.queries.propagation import CANDIDATE_RECORDS
from graph.store.repository import Repository

AS_OF = date(2026, 11, 1)  # the generator's reference date

PROJECTION = """
MATCH (a:Subject)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|OFFICER_OF|BRANCH_OF]->(b:Subject)
RETURN coalesce(a.uscc, a.pid) AS a, CASE WHEN a:Person THEN 'Person' ELSE 'Organization' END
       AS a_label, coalesce(a.hub, false) AS a_hub,
       coalesce(b.uscc, b.pid) AS b, coalesce(b.hub, false) AS b_hub,
       type(r) AS rel, r.role AS role, r.ratio AS ratio, r.since AS since, r.until AS until
"""
RECORDS = """
MATCH (s:Subject)-[:HAS_RECORD]->(r:Record)
WHERE r.status IN ['active', 'under_objection'] AND r.list IN ['black', 'focus']
RETURN r.record_id AS record_id ORDER BY record_id
"""
PARTS = ("full", "incremental", "trace", "ownership")
SUBJECT_SAMPLE = "MATCH (o:Organization) RETURN o.uscc AS key SKIP $skip LIMIT 1"


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--ownerships", type=int, default=1000)
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=PARTS, help="measure these parts only"
    )
    args = parser.parse_args()

    with loaded_province(args) as services:
        repo, rules = services.repository, services.rules
        if "full" in args.only:
            bench_full(repo, rules)
        if "incremental" in args.only:
            bench_incremental(repo, rules)
        if "trace" in args.only:
            bench_trace(repo, args.orgs, args.traces)
        if "ownership" in args.only:
            bench_ownership(repo, args.orgs, args.ownerships)


def bench_full(repo: Repository, rules: RuleSet) -> None:
    neo4j_run = full_recompute(repo, rules, AS_OF)
    print(
        f"\nfull propagation, engine over Neo4j: {neo4j_run.seconds:.1f}s "
        f"({neo4j_run.records:,} records -> {neo4j_run.flags:,} flags, incl. write-back)"
    )
    rerun = full_recompute(repo, rules, AS_OF)
    print(f"full propagation rerun (nothing to write): {rerun.seconds:.1f}s")

    began = time.perf_counter()
    graph = nx.MultiDiGraph()
    for row in repo.stream(PROJECTION):
        graph.add_node(row["a"], label=row["a_label"], hub=row["a_hub"])
        if row["b"] not in graph:
            graph.add_node(row["b"], label="Organization", hub=row["b_hub"])
        graph.add_edge(
            row["a"], row["b"], rel=row["rel"], role=row["role"], ratio=row["ratio"],
            since=row["since"], until=row["until"],
        )  # fmt: skip
    projected = time.perf_counter() - began
    records = [source_record(row) for row in repo.stream(CANDIDATE_RECORDS)]
    began = time.perf_counter()
    flags = propagate(records, rules, AS_OF, NetworkxGraph(graph))
    engine = time.perf_counter() - began
    print(
        f"full propagation, networkx projection: {projected + engine:.1f}s "
        f"(projection {projected:.1f}s of {graph.number_of_edges():,} edges, "
        f"engine {engine:.1f}s, {len(flags):,} flags; write-back as above)"
    )
    same = len(flags) == neo4j_run.flags
    print(f"both give the same number of flags: {same}")


def bench_incremental(repo: Repository, rules: RuleSet) -> None:
    record_id = repo.read(RECORDS)[0]["record_id"]
    timings = []
    for status in ("repaired", "active"):
        repo.write("MATCH (r:Record {record_id: $id}) SET r.status = $s", id=record_id, s=status)
        run = incremental_recompute(repo, rules, AS_OF, [record_id])
        timings.append(run.seconds)
    print(f"incremental after one record change: {', '.join(f'{t:.3f}s' for t in timings)}")


def sample_organisations(repo: Repository, orgs: int, count: int) -> list[str]:
    rng = random.Random(7)
    return [repo.read(SUBJECT_SAMPLE, skip=rng.randrange(orgs))[0]["key"] for _ in range(count)]


def bench_trace(repo: Repository, orgs: int, count: int) -> None:
    keys = sample_organisations(repo, orgs, count)
    timings = []
    for key in keys:
        began = time.perf_counter()
        related_parties(repo, key, hops=3, as_of=AS_OF)
        timings.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    print(f"3-hop trace over {count} random organisations: p50 {cuts[49]:.1f} ms, "
          f"p99 {cuts[98]:.1f} ms")  # fmt: skip


def bench_ownership(repo: Repository, orgs: int, count: int) -> None:
    keys = sample_organisations(repo, orgs, count)
    timings, owned, cut = [], 0, 0
    for key in keys:
        began = time.perf_counter()
        report = ownership_of(repo, key, as_of=AS_OF)
        timings.append((time.perf_counter() - began) * 1000)
        owned += bool(report and report.beneficial_owners)
        cut += bool(report and report.truncated)
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"ownership (beneficial owners + actual controller) over {count} random organisations: "
        f"p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms "
        f"({owned} with a beneficial owner, {cut} cut by a bound)"
    )


if __name__ == "__main__":
    main()
