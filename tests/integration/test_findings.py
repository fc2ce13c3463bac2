"""Findings on a real Neo4j: 违规任职 (Company Law art. 178) and red-list conflicts."""

from __future__ import annotations

from datetime import date

import pytest

from graph.propagation.recompute import full_recompute
from graph.propagation.rules import RuleSet, load_rules
from graph.reads.findings import appointments, red_list_conflicts, restricted_roles
from graph.store.repository import Repository
from tests.utils.factories import GraphBuilder

AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def _step(source: str, rel: str, direction: str, target: str) -> dict[str, str]:
    return {"source": source, "rel": rel, "direction": direction, "target": target, "rule": "R1"}


def test_roles_come_from_the_rules(rules: RuleSet) -> None:
    roles = restricted_roles(rules)
    assert {"director", "supervisor", "general_manager", "cfo"} <= set(roles)
    assert "principal" not in roles  # not a company post (R2 leaves it out)


def test_debtor_still_director_elsewhere(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("F1", "苏州甲有限公司")
    debtor = g.person("张三")
    g.record(debtor, "JS-FY-1", level="general", category="judgment_debtor")
    g.rel(debtor, "OFFICER_OF", "F1", role="director", since=date(2020, 3, 1))
    page = appointments(repo, rules, AS_OF)
    [finding] = page.items
    assert not page.has_more
    assert finding.person.pid == debtor and finding.person.name == "张三"
    assert finding.person.id_masked == "3201**********000X"
    assert finding.restricted_by == "own_record" and finding.flag is None
    assert finding.record.record_id == "JS-FY-1" and finding.record.authority == "JS-FY"
    assert finding.record.authority_name == "department JS-FY"
    assert finding.record.publish_until == date(2028, 1, 10)
    assert finding.post.uscc == "F1" and finding.post.name == "苏州甲有限公司"
    assert (finding.post.rel, finding.post.role) == ("OFFICER_OF", "director")
    assert finding.post.since == date(2020, 3, 1)
    assert "第一百七十八条" in finding.legal_basis


def test_no_finding_once_the_post_ended(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("F1")
    debtor = g.person("张三")
    g.record(debtor, "JS-FY-1")
    g.rel(debtor, "OFFICER_OF", "F1", role="director", until=date(2026, 3, 1))
    assert appointments(repo, rules, AS_OF).items == []
    # Before it ended, the post was a finding.
    assert len(appointments(repo, rules, date(2026, 2, 1)).items) == 1


def test_what_does_not_restrict_or_is_not_barred(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("F1")
    general = g.person("一般")  # a general record, not a judgment debtor's
    g.record(general, "R-GEN", level="general", category="environment")
    g.rel(general, "LEGAL_REP_OF", "F1")
    disputed = g.person("异议")  # severe but under objection
    g.record(disputed, "R-OBJ", status="under_objection")
    g.rel(disputed, "LEGAL_REP_OF", "F1")
    lapsed = g.person("过期")  # severe, publicity over
    g.record(lapsed, "R-OLD", decided_on=date(2024, 1, 1), publish_until=date(2026, 1, 1))
    g.rel(lapsed, "LEGAL_REP_OF", "F1")
    principal = g.person("校长")  # severe, but `principal` is not a company post
    g.record(principal, "R-PRI")
    g.rel(principal, "OFFICER_OF", "F1", role="principal")
    honoured = g.person("红名单")  # a red record restricts nobody
    g.record(honoured, "R-RED", list_="red", level=None, category="honour")
    g.rel(honoured, "LEGAL_REP_OF", "F1")
    assert appointments(repo, rules, AS_OF).items == []


def test_person_reached_by_an_extended_flag(repo: Repository, rules: RuleSet) -> None:
    """U is a dishonest judgment debtor; its legal representative is flagged (R1) and is also
    legal representative of V: a finding at V, none at U itself."""
    g = GraphBuilder(repo)
    g.org("U", "失信单位有限公司")
    g.org("V", "另一家有限公司")
    rep = g.person("王五")
    g.rel(rep, "LEGAL_REP_OF", "U")
    g.rel(rep, "LEGAL_REP_OF", "V", since=date(2024, 5, 1))
    g.record("U", "JS-FY-U")
    g.flag(rep, "JS-FY-U", [_step("U", "LEGAL_REP_OF", "in", rep)])
    [finding] = appointments(repo, rules, AS_OF).items
    assert finding.person.pid == rep
    assert finding.restricted_by == "extended_flag"
    assert finding.record.record_id == "JS-FY-U" and finding.record.subject == "U"
    assert finding.flag is not None and finding.flag.rule == "R1"
    assert [(s.source, s.rel, s.direction, s.target) for s in finding.flag.path] == [
        ("U", "LEGAL_REP_OF", "in", rep)
    ]
    assert (finding.post.uscc, finding.post.rel, finding.post.role) == ("V", "LEGAL_REP_OF", None)
    assert "第十条" in finding.legal_basis


def test_only_extended_flags_from_active_records_restrict(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    for key in ("U", "W", "V"):
        g.org(key)
    pending, associated = g.person("待定"), g.person("关联")
    g.record("U", "R-OBJ", status="under_objection")
    g.flag(pending, "R-OBJ", [_step("U", "LEGAL_REP_OF", "in", pending)], kind="pending")
    g.record("W", "R-W")
    g.flag(associated, "R-W", [_step("W", "SHAREHOLDER_OF", "out", associated)], kind="associated")
    for person in (pending, associated):
        g.rel(person, "LEGAL_REP_OF", "V")
    assert appointments(repo, rules, AS_OF).items == []


def test_propagation_writes_the_flag_the_finding_reads(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    g.org("U")
    g.org("V")
    rep = g.person("王五")
    g.rel(rep, "LEGAL_REP_OF", "U")
    g.rel(rep, "OFFICER_OF", "V", role="general_manager")
    g.record("U", "JS-FY-U")
    full_recompute(repo, rules, AS_OF)
    [finding] = appointments(repo, rules, AS_OF).items
    assert finding.restricted_by == "extended_flag" and finding.post.uscc == "V"
    assert finding.flag is not None and finding.flag.path[0].source == "U"


def test_paged_in_a_stable_order(repo: Repository, rules: RuleSet) -> None:
    g = GraphBuilder(repo)
    for key in ("F1", "F2", "F3"):
        g.org(key)
    a, b = g.person("甲"), g.person("乙")
    for person in (a, b):
        g.record(person, f"R-{person[:6]}")
        for org in ("F1", "F2", "F3"):
            g.rel(person, "OFFICER_OF", org, role="supervisor")
    every = appointments(repo, rules, AS_OF).items
    expected = [(p, o) for p in sorted((a, b)) for o in ("F1", "F2", "F3")]
    assert [(f.person.pid, f.post.uscc) for f in every] == expected
    first = appointments(repo, rules, AS_OF, skip=0, limit=4)
    rest = appointments(repo, rules, AS_OF, skip=4, limit=4)
    assert first.has_more and not rest.has_more
    assert [*first.items, *rest.items] == every


def test_red_listed_subject_with_an_active_black_record(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("R1", "红黑双榜有限公司")
    g.record("R1", "RED-1", list_="red", level=None, category="honour", authority="JS-SW")
    g.record("R1", "BLK-1", category="environment")
    g.org("R2")  # red only
    g.record("R2", "RED-2", list_="red", level=None, category="honour")
    g.org("R3")  # red, and a black record whose publicity has ended
    g.record("R3", "RED-3", list_="red", level=None, category="honour")
    g.record("R3", "BLK-3", decided_on=date(2024, 1, 1), publish_until=date(2026, 1, 1))
    g.org("R4")  # red, and a sanction whose red list itself has ended
    g.record("R4", "RED-4", list_="red", level=None, category="honour", status="expired")
    g.record("R4", "BLK-4")
    [conflict] = red_list_conflicts(repo, AS_OF).items
    assert (conflict.key, conflict.label, conflict.name) == (
        "R1",
        "Organization",
        "红黑双榜有限公司",
    )
    assert [r.record_id for r in conflict.honours] == ["RED-1"]
    assert conflict.honours[0].authority_name == "department JS-SW"
    assert [r.record_id for r in conflict.records] == ["BLK-1"]
    assert conflict.flags == []


def test_red_listed_subjects_with_flags(repo: Repository) -> None:
    g = GraphBuilder(repo)
    g.org("U")
    g.record("U", "BLK-U")
    g.org("U2")
    g.record("U2", "OBJ-U2", status="under_objection")
    person, pending = g.person("红名单人"), g.person("待定人")
    for subject in (person, pending):
        g.record(subject, f"RED-{subject[:6]}", list_="red", level=None, category="honour")
    g.flag(person, "BLK-U", [_step("U", "LEGAL_REP_OF", "in", person)])
    g.flag(pending, "OBJ-U2", [_step("U2", "LEGAL_REP_OF", "in", pending)], kind="pending")
    page = red_list_conflicts(repo, AS_OF)
    [conflict] = page.items
    assert conflict.key == person and conflict.label == "Person"
    assert conflict.name == "红名单人" and conflict.id_masked == "3201**********000X"
    assert conflict.records == []
    [flagged] = conflict.flags
    assert (flagged.flag.rule, flagged.flag.kind) == ("R1", "extended")
    assert (flagged.record.record_id, flagged.record.subject) == ("BLK-U", "U")


def test_red_list_conflicts_paged(repo: Repository) -> None:
    g = GraphBuilder(repo)
    for key in ("C", "A", "B"):
        g.org(key)
        g.record(key, f"RED-{key}", list_="red", level=None, category="honour")
        g.record(key, f"BLK-{key}")
    first = red_list_conflicts(repo, AS_OF, limit=2)
    assert [c.key for c in first.items] == ["A", "B"] and first.has_more
    rest = red_list_conflicts(repo, AS_OF, skip=2, limit=2)
    assert [c.key for c in rest.items] == ["C"] and not rest.has_more
