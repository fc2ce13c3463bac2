"""Disclosure of what the propagation and review pages show: no person reaches an analyst
except as an alias, in any field, path or summary; regulators see everything as stored."""

from __future__ import annotations

from datetime import date

from graph.disclosure import (
    ANALYST,
    PERSON_PLACEHOLDER,
    REGULATOR,
    disclose_appointment,
    disclose_change,
    disclose_conflict,
    disclose_name,
    disclose_review,
    is_person_shown,
    person_alias,
)
from graph.model import PathStep
from graph.propagation.runs import ChangeFeedEntry, FlagSnapshot
from graph.reads.findings import (
    COMPANY_LAW_178,
    AppointmentFinding,
    FindingRecord,
    FlagOnRecord,
    FlagRef,
    PersonRef,
    Post,
    RedListConflict,
)
from graph.review.credit_review import ReviewReason, ReviewResult, SubjectReview

ORG = "91320214745555318W"
PID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
PATH = [
    PathStep(source=ORG, rel="LEGAL_REP_OF", direction="in", target=PID, rule="R1"),
    PathStep(source=PID, rel="OFFICER_OF", direction="out", target="x:org-2", rule="R2"),
]
ALIAS = person_alias(PID)


def _shows_no_person(model: object) -> None:
    text = model.model_dump_json()  # type: ignore[attr-defined]
    assert PID not in text and "王五" not in text and "3202**" not in text


def test_change_feed_entry() -> None:
    flag = FlagSnapshot(
        subject=PID,
        record_id="r",
        rule="R1",
        kind="extended",
        score=1.0,
        hops=1,
        path=PATH[:1],
        basis="",
        rules_version="v",
    )
    entry = ChangeFeedEntry(
        seq=0, change="gained", subject=PID, record_id="r", before=None, after=flag
    )
    shown = disclose_change(ANALYST, entry)
    _shows_no_person(shown)
    assert shown.subject == ALIAS and shown.after is not None
    assert shown.after.path[0].target == ALIAS
    assert disclose_change(REGULATOR, entry) == entry


def test_appointment_finding() -> None:
    finding = AppointmentFinding(
        person=PersonRef(pid=PID, name="王五", id_masked="3202**********123X"),
        record=FindingRecord(record_id="r", list="black", subject=ORG),
        restricted_by="extended_flag",
        flag=FlagRef(rule="R1", kind="extended", score=1.0, hops=1, path=PATH[:1], basis=""),
        post=Post(uscc="x:org-2", name="乙公司", rel="OFFICER_OF", role="director"),
        legal_basis=COMPANY_LAW_178,
    )
    shown = disclose_appointment(ANALYST, finding)
    _shows_no_person(shown)
    assert (shown.person.pid, shown.person.name) == (ALIAS, PERSON_PLACEHOLDER)
    assert shown.post.name == "乙公司"
    assert disclose_appointment(REGULATOR, finding) == finding


def test_red_list_conflict_of_a_person() -> None:
    conflict = RedListConflict(
        key=PID,
        label="Person",
        name="王五",
        id_masked="3202**********123X",
        region_code="320214",
        honours=[],
        records=[],
        flags=[
            FlagOnRecord(
                flag=FlagRef(
                    rule="R1", kind="extended", score=1.0, hops=1, path=PATH[:1], basis=""
                ),
                record=FindingRecord(record_id="r", list="black", subject=ORG),
            )
        ],
    )
    shown = disclose_conflict(ANALYST, conflict)
    _shows_no_person(shown)
    assert shown.key == ALIAS and shown.region_code is None


def test_review_result() -> None:
    reason = ReviewReason(
        finding="flag",
        summary=f"extended flag by rule R1 of {PID}",
        decision="review",
        measure="m",
        path=PATH,
        record_subject=PID,
        rule="R1",
    )
    result = ReviewResult(
        context="general",
        as_of=date(2026, 5, 1),
        policy_version="v",
        decisions={"block": 0, "review": 1, "pass": 0},
        incentives=0,
        subjects=[
            SubjectReview(
                key=PID,
                found=True,
                label="Person",
                name="王五",
                decision="review",
                incentive=False,
                reasons=[reason],
            )
        ],
    )
    shown = disclose_review(ANALYST, result)
    _shows_no_person(shown)
    assert shown.subjects[0].reasons[0].summary.endswith(ALIAS)
    assert disclose_review(REGULATOR, result) == result


def test_names_and_person_keys_as_shown() -> None:
    assert disclose_name(ANALYST, PID, "王五") == PERSON_PLACEHOLDER
    assert disclose_name(ANALYST, ORG, "甲公司") == "甲公司"
    assert is_person_shown(ALIAS) and is_person_shown(PID) and not is_person_shown(ORG)
