"""Credit review and credit reports against the real Neo4j, on hand-built graphs.

Flags are written here directly with the documented FLAGGED properties (see `write_flag`),
so these tests speak to the review alone, not to whichever propagation run produced them.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from neo4j import Driver

from graph.review.credit_report import credit_report, render_html
from graph.review.credit_review import MAX_SUBJECTS, credit_review, load_policy
from graph.settings import Settings
from graph.store.repository import Repository, Row
from tests.utils.factories import GraphBuilder

AS_OF = date(2026, 6, 1)
POLICY = load_policy()  # the shipped policy

WRITE_FLAG = """
MATCH (s:Subject) WHERE s.uscc = $subject OR s.pid = $subject
MATCH (r:Record {record_id: $record_id})
MERGE (s)-[f:FLAGGED]->(r)
SET f.rule = $rule, f.kind = $kind, f.score = $score, f.hops = size($path_steps),
    f.path = $path, f.basis = $basis, f.record_id = $record_id, f.computed_at = datetime(),
    f.rules_version = '2025.1', f.as_of = $as_of
"""

# A thousand organisations in one statement; every third has a severe black record.
BUILD_BATCH = """
MERGE (d:Department {code: 'JS-FY'}) SET d.name = 'court', d.province = '32'
WITH d
UNWIND range(0, $n - 1) AS i
MERGE (o:Subject:Organization {uscc: 'BATCH-' + toString(i)})
SET o.name = 'firm ' + toString(i), o.region_code = '3205', o.province = '32'
WITH d, o, i WHERE i % 3 = 0
CREATE (o)-[:HAS_RECORD]->(r:Record {
  record_id: 'BATCH-REC-' + toString(i), list: 'black', level: 'severe', status: 'active',
  category: 'judgment_debtor', authority: 'JS-FY', basis: 'test basis',
  decided_on: date('2026-01-10'), publish_from: date('2026-01-10'),
  publish_until: date('2028-01-10'), source_province: '32'})-[:ISSUED_BY]->(d)
"""


def write_flag(
    repo: Repository,
    subject: str,
    record_id: str,
    path: list[dict[str, str]],
    *,
    kind: str = "extended",
    rule: str = "R1",
    score: float = 1.0,
) -> None:
    repo.write(
        WRITE_FLAG,
        subject=subject,
        record_id=record_id,
        rule=rule,
        kind=kind,
        score=score,
        path_steps=path,
        path=json.dumps(path, ensure_ascii=False),
        basis=f"rule basis {rule}",
        as_of=AS_OF,
    )


def step(source: str, rel: str, direction: str, target: str, rule: str = "R1") -> dict[str, str]:
    return {"source": source, "rel": rel, "direction": direction, "target": target, "rule": rule}


class CountingRepository(Repository):
    """The real repository, counting its reads: the batch must not cost a query per subject."""

    def __init__(
        self, driver: Driver, database: str, *, query_timeout_s: float, bulk_timeout_s: float
    ) -> None:
        super().__init__(
            driver, database, query_timeout_s=query_timeout_s, bulk_timeout_s=bulk_timeout_s
        )
        self.reads = 0

    def read(self, query: str, **params: Any) -> list[Row]:
        self.reads += 1
        return super().read(query, **params)


@pytest.fixture
def g(repo: Repository) -> GraphBuilder:
    return GraphBuilder(repo)


def decide(repo: Repository, key: str, context: str = "procurement") -> Any:
    result = credit_review(repo, [key], context, AS_OF, POLICY)  # type: ignore[arg-type]
    return result.subjects[0]


def test_severe_black_record_blocks_procurement(repo: Repository, g: GraphBuilder) -> None:
    g.org("A", "甲公司")
    g.record("A", "REC-A")
    review = decide(repo, "A")
    assert (review.found, review.name, review.decision, review.incentive) == (
        True, "甲公司", "block", False,
    )  # fmt: skip
    (reason,) = review.reasons
    assert (reason.record_id, reason.list, reason.level, reason.kind) == (
        "REC-A", "black", "severe", "own",
    )  # fmt: skip
    assert (reason.authority, reason.authority_name, reason.source_province) == (
        "JS-FY", "department JS-FY", "32",
    )  # fmt: skip
    assert reason.basis == ["test basis"] and "政府采购" in reason.measure


def test_focus_list_record_is_review(repo: Repository, g: GraphBuilder) -> None:
    g.org("A")
    g.record("A", "REC-A", list_="focus", level="serious", category="tax")
    review = decide(repo, "A")
    assert review.decision == "review"
    assert review.reasons[0].list == "focus"


def test_general_level_passes_with_a_note_in_general_context(
    repo: Repository, g: GraphBuilder
) -> None:
    g.org("A")
    g.record("A", "REC-A", level="general")
    review = decide(repo, "A", context="general")
    assert review.decision == "pass"
    assert review.reasons[0].record_id == "REC-A"
    assert "信用提醒" in review.reasons[0].measure


def test_red_only_passes_with_incentive(repo: Repository, g: GraphBuilder) -> None:
    g.org("A")
    g.record("A", "RED-A", list_="red", level=None, category="诚信标兵", authority="JS-SJ")
    review = decide(repo, "A", context="licensing")
    assert (review.decision, review.incentive) == ("pass", True)
    assert "绿色通道" in review.reasons[0].measure


@pytest.mark.parametrize(
    ("status", "publish_until"),
    [("repaired", date(2028, 1, 10)), ("expired", date(2026, 3, 1)), ("active", date(2026, 3, 1))],
)
def test_repaired_or_expired_record_passes(
    repo: Repository, g: GraphBuilder, status: str, publish_until: date
) -> None:
    g.org("A")
    g.record("A", "REC-A", status=status, publish_until=publish_until)
    review = decide(repo, "A")
    assert review.decision == "pass"
    assert [r.summary for r in review.reasons] == [
        "no active negative record or flag on 2026-06-01"
    ]


def test_record_under_objection_is_review_not_block(repo: Repository, g: GraphBuilder) -> None:
    g.org("A")
    g.record("A", "REC-A", status="under_objection")
    assert decide(repo, "A").decision == "review"


@pytest.fixture
def legal_rep_of_debtor(repo: Repository, g: GraphBuilder) -> str:
    """A person who is legal representative of A, which carries a severe black record."""
    g.org("A", "甲公司")
    rep = g.person("张三")
    g.rel(rep, "LEGAL_REP_OF", "A")
    g.record("A", "REC-A")
    write_flag(repo, rep, "REC-A", [step("A", "LEGAL_REP_OF", "in", rep)])
    return rep


def test_extended_flag_from_severe_record_blocks_with_path_and_basis(
    repo: Repository, legal_rep_of_debtor: str
) -> None:
    review = decide(repo, legal_rep_of_debtor)
    assert (review.label, review.decision) == ("Person", "block")
    (reason,) = review.reasons
    assert (reason.finding, reason.rule, reason.kind, reason.record_id) == (
        "flag", "R1", "extended", "REC-A",
    )  # fmt: skip
    assert reason.record_subject == "A"
    assert [(s.source, s.rel, s.direction, s.target) for s in reason.path] == [
        ("A", "LEGAL_REP_OF", "in", legal_rep_of_debtor)
    ]
    assert reason.basis == ["test basis", "rule basis R1"]
    assert (reason.score, reason.hops, reason.rules_version) == (1.0, 1, "2025.1")


def test_pending_flag_is_review_not_block(repo: Repository, g: GraphBuilder) -> None:
    g.org("A")
    g.org("B")
    g.rel("B", "BRANCH_OF", "A")
    g.record("A", "REC-A", status="under_objection")
    write_flag(repo, "B", "REC-A", [step("A", "BRANCH_OF", "in", "B", "R4")], kind="pending")
    review = decide(repo, "B")
    assert review.decision == "review"
    assert review.reasons[0].kind == "pending"


def test_flag_whose_record_is_now_under_objection_is_review(
    repo: Repository, legal_rep_of_debtor: str
) -> None:
    # The objection was filed after the last propagation: the stored kind is still extended.
    repo.write("MATCH (r:Record {record_id: 'REC-A'}) SET r.status = 'under_objection'")
    review = decide(repo, legal_rep_of_debtor)
    assert review.decision == "review"
    assert (review.reasons[0].kind, review.reasons[0].record_status) == (
        "extended", "under_objection",
    )  # fmt: skip


def test_flag_whose_record_was_repaired_is_ignored(
    repo: Repository, legal_rep_of_debtor: str
) -> None:
    repo.write("MATCH (r:Record {record_id: 'REC-A'}) SET r.status = 'repaired'")
    review = decide(repo, legal_rep_of_debtor)
    assert review.decision == "pass"
    assert [r.finding for r in review.reasons] == ["clear"]


def test_unknown_key_is_review_with_reason(repo: Repository, g: GraphBuilder) -> None:
    g.org("A")
    result = credit_review(repo, ["A", "NOBODY", "f" * 64], "bidding", AS_OF, POLICY)
    assert [(s.key, s.found, s.decision) for s in result.subjects] == [
        ("A", True, "pass"), ("NOBODY", False, "review"), ("f" * 64, False, "review"),
    ]  # fmt: skip
    assert result.subjects[1].reasons[0].summary == "subject not found in the credit graph"
    assert result.decisions == {"block": 0, "review": 2, "pass": 1}


def test_same_input_gives_identical_json(
    repo: Repository, g: GraphBuilder, legal_rep_of_debtor: str
) -> None:
    g.org("C")
    g.record("C", "REC-C2", level="general", authority="JS-SW")
    g.record("C", "REC-C1", list_="focus", level="serious", authority="JS-HB")
    g.record("C", "RED-C", list_="red", level=None, category="诚信之星")
    keys = ["C", legal_rep_of_debtor, "A", "MISSING", "C"]
    first = credit_review(repo, keys, "fiscal_funds", AS_OF, POLICY).model_dump_json()
    second = credit_review(repo, keys, "fiscal_funds", AS_OF, POLICY).model_dump_json()
    assert first == second
    parsed = json.loads(first)
    assert [s["key"] for s in parsed["subjects"]] == ["C", legal_rep_of_debtor, "A", "MISSING"]
    assert (parsed["as_of"], parsed["policy_version"]) == ("2026-06-01", "2026.1")
    assert "computed_at" not in first


def test_batch_of_a_thousand_in_two_queries(
    repo: Repository, driver: Driver, settings: Settings
) -> None:
    repo.write(BUILD_BATCH, n=MAX_SUBJECTS)
    counting = CountingRepository(
        driver,
        settings.neo4j_database,
        query_timeout_s=settings.query_timeout_s,
        bulk_timeout_s=settings.bulk_timeout_s,
    )
    keys = [f"BATCH-{i}" for i in range(MAX_SUBJECTS)]
    result = credit_review(counting, keys, "procurement", AS_OF, POLICY)
    assert counting.reads <= 2
    assert len(result.subjects) == MAX_SUBJECTS
    assert result.decisions == {"block": 334, "review": 0, "pass": 666}
    assert result.subjects[3].decision == "block" and result.subjects[4].decision == "pass"
    with pytest.raises(ValueError, match="at most 1000"):
        credit_review(repo, [*keys, "ONE-MORE"], "procurement", AS_OF, POLICY)


def test_credit_report_and_page(
    repo: Repository, g: GraphBuilder, legal_rep_of_debtor: str
) -> None:
    rep = legal_rep_of_debtor
    g.record(rep, "REC-P-OLD", level="general", status="repaired", authority="ZJ-SW",
             source_province="33")  # fmt: skip
    g.record(rep, "RED-P", list_="red", level=None, category="诚信之星", authority="JS-WM")
    report = credit_report(repo, rep, AS_OF)
    assert report is not None
    assert (report.label, report.name, report.as_of) == ("Person", "张三", AS_OF)
    assert report.person is not None and report.person.id_masked == "3201**********000X"
    by_id = {r.record_id: r for r in report.records}
    assert set(by_id) == {"REC-P-OLD", "RED-P"}
    assert (by_id["REC-P-OLD"].status, by_id["REC-P-OLD"].active) == ("repaired", False)
    assert [r.record_id for r in report.honours] == ["RED-P"]
    (flag,) = report.flags
    assert (flag.record_id, flag.rule, flag.counts, flag.record.basis) == (
        "REC-A", "R1", True, "test basis",
    )  # fmt: skip
    assert report.names["A"] == "甲公司"
    assert [(d.code, d.records) for d in report.sources.departments] == [
        ("JS-FY", 1), ("JS-WM", 1), ("ZJ-SW", 1),
    ]  # fmt: skip
    assert [(p.code, p.records) for p in report.sources.provinces] == [("32", 2), ("33", 1)]

    page = render_html(report)
    assert page.startswith("<!doctype html>")
    for text in ("信用报告", "信用记录", "关联标记", "守信红名单", "数据来源", "REC-A", "RED-P"):
        assert text in page
    assert "3201**********000X" in page and "甲公司" in page
    assert "http://" not in page and "https://" not in page  # no external assets


def test_report_escapes_what_the_data_holds(repo: Repository, g: GraphBuilder) -> None:
    g.org("X", "<script>alert(1)</script>")
    page = render_html(credit_report(repo, "X", AS_OF))  # type: ignore[arg-type]
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_report_on_unknown_subject_is_none(repo: Repository) -> None:
    assert credit_report(repo, "NOBODY", AS_OF) is None
