"""No raw resident ID number anywhere: ID numbers sent through every parameter, header and
free-text body field of the OpenAPI document, and through a loaded file, end up in neither
the graph, nor the logs, nor any file written.

The server runs as `serve` runs it (uvicorn's options from api.access_log), so the access
log under test is the one a deployment writes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn.config

from api.access_log import LOGGER as ACCESS_LOGGER
from api.access_log import uvicorn_options
from api.app import create_app
from graph.ingest.layouts import Kind
from graph.propagation.rules import load_rules
from graph.services import Services
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.pipeline import load_paths
from tests.conftest import TEST_SECRETS, LiveServer, _free_port
from tests.utils.canonical import small_province, string_values
from tests.utils.factories import GraphBuilder

ROOT = Path(__file__).resolve().parents[2]
KeyMaker = Callable[[str], dict[str, str]]
FIRM = "91320214745555318W"
ID18 = "11010519491231002X"  # domain.md's example: a valid check character
ID18_TYPO = "110105194912310025"  # the same with a wrong check character
ID15 = "110105491231002"  # the old 15-digit form of the same person
RAW = (ID18, ID18_TYPO, ID15)
TEXT = f"申请人身份证{ID18}，旧证{ID15}，另录{ID18_TYPO.lower()}"
PURPOSE = f"case {ID18} / {ID15} / {ID18_TYPO.lower()}"  # headers are ASCII
# The masked forms keep the first and last four: the middle is what must never appear.
MIDDLES = tuple(number[4:-4] for number in RAW)

# What each operation with a body needs to succeed, so that its free text is stored; the
# record each transition acts on is in the state that transition needs.
BODIES: dict[tuple[str, str], tuple[dict[str, str], dict[str, Any]]] = {
    ("post", "/api/v1/subjects/by-id-number"): ({}, {"id_number": ID18}),
    ("post", "/api/v1/reviews"): ({}, {"subjects": [FIRM], "context": "general"}),
    ("post", "/api/v1/records"): (
        {},
        {
            "record_id": "R-NEW",
            "subject_uscc": FIRM,
            "list": "black",
            "level": "severe",
            "category": "tax",
            "authority": "JS-FY",
            "basis": "苏税稽罚〔2026〕1号",
            "decided_on": "2026-01-10",
        },
    ),
    ("post", "/api/v1/records/{record_id}/objection"): ({"record_id": "R-OBJ"}, {"reason": "x"}),
    ("post", "/api/v1/records/{record_id}/objection/decision"): (
        {"record_id": "R-OBJ"},
        {"upheld": False, "note": "x"},
    ),
    ("post", "/api/v1/records/{record_id}/repair"): ({"record_id": "R-REP"}, {"note": "x"}),
    ("post", "/api/v1/records/{record_id}/revocation"): ({"record_id": "R-REV"}, {"note": "x"}),
    ("post", "/linkage/v1/check"): ({}, {"subjects": [{"uscc": FIRM}]}),
    ("post", "/api/v1/resolution/decisions"): (
        {},
        {"kind": "organization", "kept": FIRM, "merged": "listed:600000.SH"}
        | {"verdict": "not_same", "reason": "x"},
    ),
    ("post", "/api/v1/resolution/decisions/{decision_id}/undo"): (
        {"decision_id": "0" * 32},
        {"reason": "x"},
    ),
}


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def served(services: Services) -> Iterator[tuple[str, _Captured]]:
    """A server configured as `serve` configures it, with every log it writes captured."""
    options = uvicorn_options(uvicorn.config.LOGGING_CONFIG)
    access = logging.getLogger(ACCESS_LOGGER)
    before = (list(access.handlers), access.propagate, access.level)
    with LiveServer(create_app(services), _free_port(), log_level="info", **options) as live:
        # uvicorn writes its access log exactly when this logger has a handler (checked per
        # connection), so this is uvicorn's access log being off.
        assert not logging.getLogger("uvicorn.access").hasHandlers()
        captured = _Captured()
        # uvicorn's loggers and the access log do not propagate: each is listened to.
        names = ["", "uvicorn", "uvicorn.error", ACCESS_LOGGER]
        for name in names:
            logging.getLogger(name).addHandler(captured)
        try:
            yield live.url, captured
        finally:
            for name in names:
                logging.getLogger(name).removeHandler(captured)
            # The logging config is the process's: later tests' servers log as before.
            access.handlers[:], access.propagate, access.level = before


def _with_raw(value: str) -> list[str]:
    return [m.group() for r in RAW for m in re.finditer(re.escape(r), value, re.IGNORECASE)] + [
        m for m in MIDDLES if m in value
    ]


def _string_fields(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, int]:
    """Each string (or list-of-strings) property of a body schema and its maxLength;
    enumerations and dates are not free text and are left out."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    fields: dict[str, int] = {}
    for name, prop in schema.get("properties", {}).items():
        for option in prop.get("anyOf", [prop]):
            target = option.get("items", option) if option.get("type") == "array" else option
            if target.get("type") == "string" and "format" not in target and "enum" not in target:
                fields[name] = int(target.get("maxLength", 10_000))
    return fields


def _fill(max_length: int) -> str:
    return TEXT if len(TEXT) <= max_length else ID18


def test_no_raw_id_number_in_graph_logs_or_files(
    served: tuple[str, _Captured],
    repo: Repository,
    settings: Settings,
    make_key: KeyMaker,
    tmp_path: Path,
) -> None:
    url, captured = served
    g = GraphBuilder(repo)
    g.org(FIRM, "无锡示例机械有限公司")
    g.rel(g.person("王五"), "LEGAL_REP_OF", FIRM)
    for record_id in ("R-OBJ", "R-REP", "R-REV"):
        g.record(FIRM, record_id, decided_on=date(2026, 1, 10), publish_until=None)
    keys: list[str] = []

    sent = 0
    with httpx.Client(base_url=url, timeout=60) as http:
        doc = http.get("/openapi.json").json()
        components = doc["components"]["schemas"]
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                # A key per operation: each has its own rate-limit bucket.
                key = make_key("admin")["X-API-Key"]
                keys.append(key)
                string_params = [
                    p
                    for p in operation.get("parameters", [])
                    if p["in"] in ("path", "query")
                    and any(
                        s.get("type") == "string" for s in p["schema"].get("anyOf", [p["schema"]])
                    )
                    and "format" not in p["schema"]
                ]
                body_schema = (
                    operation.get("requestBody", {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema")
                )
                if body_schema is not None:
                    assert (method, path) in BODIES, f"no valid body known for {method} {path}"
                # Every string parameter at once, in each ID number's form, with the header.
                for number in RAW:
                    path_values, body = BODIES.get((method, path), ({}, None))
                    values = {p["name"]: number for p in string_params}
                    response = http.request(
                        method,
                        path.format(**{**values, **path_values}),
                        params={p["name"]: number for p in string_params if p["in"] == "query"},
                        json=body,
                        headers={"X-API-Key": key, "X-Purpose": f"case {number}"},
                    )
                    sent += 1
                    assert not _with_raw(response.text), (method, path, response.text)
                # Each free-text body field on its own, in a body that otherwise succeeds.
                if body_schema is None:
                    continue
                path_values, body = BODIES[(method, path)]
                for field, max_length in _string_fields(body_schema, components).items():
                    value: Any = _fill(max_length)
                    if isinstance(body.get(field), list):
                        value = [value]
                    response = http.request(
                        method,
                        path.format(**path_values),
                        json={**body, field: value},
                        headers={"X-API-Key": key, "X-Purpose": PURPOSE},
                    )
                    sent += 1
                    assert not _with_raw(response.text), (method, path, field, response.text)
    assert sent > 50

    # The free text of the transitions reached the graph (masked), so the scan below is not
    # vacuous.
    notes = [v for v in string_values(repo) if "申请人身份证" in v]
    assert len(notes) >= 4, notes

    # A load: a rejected row's authority and a record's free text hold ID numbers.
    province = small_province()
    records = province.rows[Kind.RECORDS]
    records[0] = {**records[0], "basis": f"依据 {ID18_TYPO} {ID15}"}
    records.append({**records[1], "record_id": "JS-BAD-1", "authority": ID18, "list": "none"})
    loaded = tmp_path / "load"
    report = load_paths(
        repo,
        settings,
        [province.write(loaded / "js-amr")],
        progress=False,
        rules=load_rules(),
        rejects_path=loaded / "rejects.csv",
    )
    assert report.kinds[Kind.RECORDS].rejected == 1
    (loaded / "report.txt").write_text(report.render(), encoding="utf-8")

    leaks = {
        "graph": [v for v in string_values(repo) if _with_raw(v)],
        "logs": [line for line in captured.lines if _with_raw(line)],
        "files": [
            str(f)
            for f in tmp_path.rglob("*")
            if f.is_file()
            and f.parent != loaded / "js-amr"  # the input files themselves
            and _with_raw(f.read_text(encoding="utf-8-sig", errors="replace"))
        ],
    }
    assert leaks == {"graph": [], "logs": [], "files": []}
    # The access log is the app's own, and it was written.
    access = [json.loads(line) for line in captured.lines if line.startswith('{"method"')]
    assert len(access) >= sent
    assert all(
        set(entry) == {"method", "path", "query", "status", "ms", "key_id"} for entry in access
    )
    assert not any(key in "\n".join(captured.lines) for key in keys)


def test_serve_prints_only_the_scrubbed_access_log(settings: Settings, make_key: KeyMaker) -> None:
    """`credit-graph serve` itself, as a process: what it prints is what a deployment logs."""
    port = _free_port()
    env = {
        **os.environ,
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }
    headers = {**make_key("regulator"), "X-Purpose": PURPOSE}
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, "serve exited"
                assert time.monotonic() < deadline, "serve did not answer"
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            response = httpx.get(
                f"http://127.0.0.1:{port}/api/v1/subjects/{ID15}/network",
                params={"q": ID18},
                headers=headers,
                timeout=30,
            )
            # `q` is no parameter of /network: refused (422), and logged like any request.
            assert response.status_code == 422
        finally:
            process.terminate()
            process.wait(timeout=30)
        output.seek(0)
        printed = output.read().decode("utf-8", errors="replace")
    assert not _with_raw(printed), printed
    access = [json.loads(line) for line in printed.splitlines() if line.startswith('{"method"')]
    masked = f"/api/v1/subjects/{ID15[:4]}{'*' * 7}{ID15[-4:]}/network"
    assert (access[-1]["path"], access[-1]["status"]) == (masked, 422)
    assert access[-1]["query"] == f"q={ID18[:4]}{'*' * 10}{ID18[-4:]}"
    assert headers["X-API-Key"] not in printed


def test_the_quality_tally_and_the_load_report_hold_no_id_number(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    # The tally names a record's department by the authority cell, read before validation.
    province = small_province()
    records = province.rows[Kind.RECORDS]
    records += [
        {**records[0], "record_id": f"JS-BAD-{n}", "authority": number}
        for n, number in enumerate(RAW)
    ]
    report = load_paths(
        repo,
        settings,
        [province.write(tmp_path / "js-amr")],
        progress=False,
        rules=load_rules(),
        rejects_path=tmp_path / "rejects.csv",
    )
    assert report.kinds[Kind.RECORDS].rejected == len(RAW)
    departments = {department for department, _ in report.quality}
    assert {"1101**********002X", "1101**********0025", "1101*******1002"} <= departments
    stored = repo.read("MATCH (q:DataQuality) RETURN q.department AS d, q.quality_id AS i")
    assert not [row for row in stored if _with_raw(f"{row['d']} {row['i']}")]
    assert not _with_raw(report.render())
