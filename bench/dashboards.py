"""Dashboards benchmark: the server-side time of each page's callbacks, on a generated province.

    .venv/bin/python bench/dashboards.py                      # 100k organisations
    .venv/bin/python bench/dashboards.py --orgs 1000000       # 1M (issue #15: p95 <= 500 ms)
    .venv/bin/python bench/dashboards.py --orgs 2000 --repeat 10 --heap 1g --pagecache 512m
    .venv/bin/python bench/dashboards.py --work-dir /path/to/kept/bench --only explorer

Runs on the province loaded once by bench/cached_province.py (kept for later runs),
propagated first if it holds no flags yet. It builds the real Dash app on the process's
services and signs in as each case's role through the real sign-in route; then each case's
callback is sent ``--repeat`` times (after ``--warmup`` discarded calls) to the app's
``/_dash-update-component`` route through Flask's in-process client, with the payload the
browser would send: the time measured is the server's whole handling of a callback (the
session gate, the reads, the figures, Dash's serialisation), without a network or a browser.
It prints p50 and p95 per callback in ms. Figures are printed, never asserted. Target
(issue #15): p95 <= 500 ms on a 1M-organisation province.

Pages add their callbacks to :data:`CASES` (see :class:`Case`): a case names its callback by
one of its outputs and gives the inputs' values; inputs it does not give are sent as None,
as the browser sends a component property that is not set.

Subject-level callbacks write audit events as in production; the bench deletes its own
events and revokes its keys at the end, so the stored province is left as it was found.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is first on the path, where this file's own name would hide the
# dashboards package: the project's packages come first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import dash
from cached_province import arguments, loaded_province
from flask.testing import FlaskClient

from dashboards.app import create_dash
from dashboards.kept import warm
from graph.access import create_key, revoke_key
from graph.propagation import runs
from graph.propagation.recompute import full_recompute, incremental_recompute
from graph.services import Services

AS_OF = date(2026, 11, 1)  # the generator's reference date, as bench/api.py
ANY_FLAG = "RETURN EXISTS { MATCH (:Subject)-[:FLAGGED]->(:Record) } AS flagged"
DELETE_AUDIT_EVENTS = """
MATCH (e:AuditEvent {key_id: $key_id})
WITH e LIMIT 10000
DELETE e
RETURN count(*) AS deleted
"""


@dataclass(frozen=True)
class Sample:
    """What a case may draw its inputs from: the province's services and a seeded random."""

    services: Services
    random: random.Random

    def organisations(self, n: int) -> list[str]:
        """``n`` organisation keys of the province, drawn at random (seeded)."""
        rows = self.services.repository.read(
            "MATCH (o:Organization) RETURN o.uscc AS key ORDER BY key LIMIT 5000"
        )
        return self.random.sample([r["key"] for r in rows], min(n, len(rows)))


@dataclass(frozen=True)
class Case:
    """One callback to time.

    ``output`` is one of the callback's outputs as ``"<id>.<property>"`` (a dict id as Dash
    writes it, JSON with sorted keys); ``values`` gives, for one call, the value of each input
    or state by the same notation, drawn from the :class:`Sample` (called once per call, so
    calls may differ); ``pathname`` is the page the callback belongs to.
    """

    name: str
    pathname: str
    output: str
    values: Callable[[Sample], dict[str, Any]]
    role: str = "analyst"


CASES: list[Case] = [
    Case(
        "overview: all of Jiangsu",
        "/overview",
        "overview-kpis.children",
        lambda s: {"overview-province.value": "32"},
    ),
    Case(
        "overview: a year, any province",
        "/overview",
        "overview-kpis.children",
        lambda s: {
            "overview-province.value": "",
            "overview-decided.start_date": "2025-11-01",
            "overview-decided.end_date": "2026-10-31",
        },
    ),
    Case(
        "quality: every load",
        "/quality",
        "quality-over-time.figure",
        lambda s: {"quality-kind.value": "", "quality-metric.value": "validity"},
    ),
    Case(
        "professionals: the 23 groups",
        "/professionals",
        "professionals-chart.figure",
        lambda s: {"professionals-chart.id": "professionals-chart"},
    ),
    Case(
        "professionals: practitioners (audited)",
        "/professionals",
        '{"name":"professionals-practitioners","type":"grid"}.rowData',
        lambda s: {"professionals-occupation.value": s.random.choice(_OCCUPATIONS)},
        role="regulator",
    ),
    Case(
        "crossregion: partners, 30 days",
        "/crossregion",
        "crossregion-exchanged.figure",
        lambda s: {"crossregion-days.value": 30},
    ),
]

_OCCUPATIONS = ["lawyer", "cpa", "medical_staff", "teacher", "legal_representative"]


def _explorer(mode: str, hops: int) -> Callable[[Sample], dict[str, Any]]:
    """The explorer's view of a random organisation, as a pick in the search box sends it."""
    return lambda s: {
        "explorer-search.value": s.organisations(1)[0],
        "explorer-hops.value": hops,
        "explorer-as-of.value": AS_OF.toordinal(),
        "explorer-mode.value": mode,
    }


# Name fragments an analyst types: common ones, whose matches are many.
_FRAGMENTS = ["科技", "苏州", "商贸", "建材", "无锡市", "南京"]

CASES += [
    Case("explorer: search by name (audited)", "/explorer", "explorer-search.options",
         lambda s: {"explorer-search.search_value": s.random.choice(_FRAGMENTS)}),
    Case("explorer: network, 2 hops (audited)", "/explorer", "explorer-graph.elements",
         _explorer("network", 2)),
    Case("explorer: network, 3 hops (audited)", "/explorer", "explorer-graph.elements",
         _explorer("network", 3), role="regulator"),
    Case("explorer: actual controller (audited)", "/explorer", "explorer-graph.elements",
         _explorer("controller", 2)),
    Case("explorer: inspector on a click (audited)", "/explorer", "explorer-inspector.children",
         lambda s: {"explorer-graph.tapNodeData": {"id": s.organisations(1)[0]}},
         role="regulator"),
]  # fmt: skip


def _latest_run(sample: Sample) -> str | None:
    listed = runs.list_runs(sample.services.repository, limit=1)
    return listed[0].run_id if listed else None


_PROPAGATION_ON = {"propagation-as-of.date": AS_OF.isoformat()}

# The propagation and credit review pages. The review itself is a background callback (its
# time is the worker's, reported by its progress bar), so its synchronous neighbours are
# timed: the printable report, which renders the API's report.
CASES += [
    Case(
        "propagation: flags by rule, kind and score",
        "/propagation",
        "propagation-score-figure.figure",
        lambda s: _PROPAGATION_ON,
    ),
    Case(
        "propagation: runs, reach and warning",
        "/propagation",
        "propagation-reach-warnings.children",
        lambda s: _PROPAGATION_ON,
    ),
    Case(
        "propagation: change feed (audited)",
        "/propagation",
        '{"name":"propagation-changes","type":"grid"}.rowData',
        lambda s: {"propagation-run.value": _latest_run(s)},
        role="regulator",
    ),
    Case(
        "propagation: hubs and clusters (audited)",
        "/propagation",
        '{"name":"propagation-hubs","type":"grid"}.rowData',
        lambda s: _PROPAGATION_ON,
    ),
    Case(
        "propagation: findings (audited)",
        "/propagation",
        '{"name":"propagation-appointments","type":"grid"}.rowData',
        lambda s: _PROPAGATION_ON,
        role="regulator",
    ),
    Case(
        "review: printable report (audited)",
        "/review",
        "review-report-download.data",
        lambda s: {
            "review-report.n_clicks": 1,
            "review-subject.value": s.organisations(1)[0],
            "review-as-of.date": AS_OF.isoformat(),
        },
        role="regulator",
    ),
]


# The callbacks whose answers are kept until the next run (dashboards/kept.py), with the
# inputs of the page as it opens: after a run, the first call reads the whole province,
# unless the warming (what the server does when it sees a run) asked first.
AFTER_A_RUN = [
    "overview: all of Jiangsu",
    "propagation: flags by rule, kind and score",
    "propagation: hubs and clusters (audited)",
    "propagation: findings (audited)",
]


def main() -> None:
    parser = arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="Measured calls per callback.")
    parser.add_argument("--warmup", type=int, default=3, help="Discarded calls per callback.")
    parser.add_argument(
        "--only", default="", help="Time only the callbacks whose name holds this text."
    )
    args = parser.parse_args()

    with loaded_province(args) as services:
        ensure_flags(services)
        app = create_dash(services)
        sample = Sample(services, random.Random(7))
        with signed_in(app, services) as clients:
            print(
                f"\n{'callback':<44}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   "
                f"({args.repeat} calls after {args.warmup} discarded)"
            )
            for case in [c for c in CASES if args.only in c.name]:
                times = measure(clients[case.role], app, case, sample, args)
                p50, p95 = _percentile(times, 0.5), _percentile(times, 0.95)
                print(f"{case.name:<44}{p50:>9.1f}{p95:>9.1f}{max(times):>9.1f}")
            if not args.only:
                after_a_run(app, clients, sample)


def ensure_flags(services: Services) -> None:
    row = services.repository.read_one(ANY_FLAG)
    if row is not None and row["flagged"]:
        print("flags: present (propagated earlier)")
        return
    run = full_recompute(services.repository, services.rules, AS_OF)
    print(f"flags: none stored; propagated {run.records:,} records -> {run.flags:,} flags")


def after_a_run(app: dash.Dash, clients: dict[str, FlaskClient], sample: Sample) -> None:
    """The first call of each kept callback after a new run, as the page opens: cold, then
    after the warming the server runs when it sees the run (its own time printed)."""
    services = sample.services
    today = services.clock.today()
    opens = {"overview-province.value": "32", "propagation-as-of.date": today.isoformat()}
    record = services.repository.read_one("MATCH (r:Record) RETURN r.record_id AS id LIMIT 1")
    assert record is not None
    print(f"\n{'first call after a new run':<44}{'cold ms':>9}{'warm ms':>9}")
    timed: dict[str, list[float]] = {name: [] for name in AFTER_A_RUN}
    for warmed in (False, True):
        incremental_recompute(services.repository, services.rules, today, [record["id"]])
        if warmed:
            began = time.perf_counter()
            with app.server.app_context():
                warm()
            print(f"(the warming took {(time.perf_counter() - began) * 1000:,.0f} ms)")
        for case in [c for c in CASES if c.name in AFTER_A_RUN]:
            key, spec = _callback(app, case.output)
            body = _payload(key, spec, opens, case.pathname)
            began = time.perf_counter()
            answer = clients[case.role].post("/_dash-update-component", json=body)
            timed[case.name].append((time.perf_counter() - began) * 1000)
            if answer.status_code not in (200, 204):
                raise SystemExit(f"{case.name}: {answer.status_code} {answer.text[:500]}")
    for name, (cold, warmed_ms) in timed.items():
        print(f"{name:<44}{cold:>9.1f}{warmed_ms:>9.1f}")


@contextmanager
def signed_in(app: dash.Dash, services: Services) -> Iterator[dict[str, FlaskClient]]:
    """A client signed in per role, through the real sign-in route; the keys revoked and
    their audit events deleted afterwards."""
    roles = sorted({case.role for case in CASES})
    clients, key_ids = {}, []
    try:
        for role in roles:
            principal, key = create_key(
                services.repository, role, "bench/dashboards.py", own_province="32"
            )
            key_ids.append(principal.key_id)
            client = app.server.test_client()
            answer = client.post(
                "/session/sign-in", data={"key": key, "purpose": "bench/dashboards.py"}
            )
            if answer.status_code != 302 or "message=" in answer.location:
                raise SystemExit(
                    f"sign-in as {role} failed: {answer.status_code} {answer.location}"
                )
            clients[role] = client
        yield clients
    finally:
        repo, deleted = services.repository, 0
        for key_id in key_ids:
            while batch := repo.write_returning(DELETE_AUDIT_EVENTS, key_id=key_id)[0]["deleted"]:
                deleted += batch
            revoke_key(repo, key_id)
        print(f"\nremoved the bench's {deleted:,} audit events and revoked its keys")


def measure(
    client: FlaskClient, app: dash.Dash, case: Case, sample: Sample, args: argparse.Namespace
) -> list[float]:
    key, spec = _callback(app, case.output)
    times = []
    for i in range(args.warmup + args.repeat):
        body = _payload(key, spec, case.values(sample), case.pathname)
        began = time.perf_counter()
        answer = client.post("/_dash-update-component", json=body)
        elapsed = (time.perf_counter() - began) * 1000
        if answer.status_code not in (200, 204):
            raise SystemExit(f"{case.name}: {answer.status_code} {answer.text[:500]}")
        if i >= args.warmup:
            times.append(elapsed)
    return times


def _callback(app: dash.Dash, output: str) -> tuple[str, dict[str, Any]]:
    """The callback (its key in the app's map and its spec) one of whose outputs is ``output``."""
    for key, spec in app.callback_map.items():
        if output in _outputs(key):
            return key, spec
    raise SystemExit(f"no callback has the output {output}; the app's are {list(app.callback_map)}")


def _outputs(key: str) -> list[str]:
    # A multi-output callback's key is "..a.b...c.d..": outputs between "..." separators.
    return key[2:-2].split("...") if key.startswith("..") else [key]


def _payload(
    key: str, spec: dict[str, Any], values: dict[str, Any], pathname: str
) -> dict[str, Any]:
    def with_values(dependencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**d, "value": values.get(f"{_id(d['id'])}.{d['property']}")} for d in dependencies]

    outputs = [
        {"id": _parse_id(o.rsplit(".", 1)[0]), "property": o.rsplit(".", 1)[1]}
        for o in _outputs(key)
    ]
    inputs = with_values(spec["inputs"])
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": inputs,
        "state": with_values(spec["state"]),
        "changedPropIds": [f"{_id(d['id'])}.{d['property']}" for d in inputs[:1]],
        "parsedChangedPropsIds": [f"{_id(d['id'])}.{d['property']}" for d in inputs[:1]],
        "path": pathname,
    }


def _id(component_id: str | dict[str, Any]) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def _parse_id(text: str) -> str | dict[str, Any]:
    return json.loads(text) if text.startswith("{") else text


def _percentile(values: list[float], q: float) -> float:
    # Nearest rank: an observed value, never one between two.
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


if __name__ == "__main__":
    main()
