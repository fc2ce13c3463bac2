"""The review policy as data, and the decisions as a pure function of what the graph holds.

No Neo4j here: subjects, records and flags are built by hand and handed to `review_subject`.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from graph.model import CreditRecord, Flag, PathStep
from graph.review.credit_review import (
    CONTEXTS,
    DEFAULT_POLICY_PATH,
    NOT_FOUND,
    Contexts,
    FlagWithRecord,
    PolicyFileError,
    ReviewContext,
    ReviewPolicy,
    SubjectFound,
    counts_on,
    load_policy,
    mildest,
    parse_policy,
    review_subject,
    worst,
)

# Through JSON, so that entries the file shares by YAML alias can be edited one at a time.
RAW = json.loads(json.dumps(yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))))
POLICY = load_policy()  # the shipped policy
AS_OF = date(2026, 6, 1)
ORG = "ORG-A"


def record(
    record_id: str = "REC-1",
    list_: str = "black",
    level: str | None = "severe",
    status: str = "active",
    publish_from: date | None = date(2026, 1, 1),
    publish_until: date | None = date(2027, 1, 1),
    decided_on: date | None = date(2026, 1, 1),
) -> CreditRecord:
    return CreditRecord.model_validate(
        {
            "record_id": record_id,
            "list": list_,
            "level": level,
            "status": status,
            "category": "judgment_debtor",
            "authority": "JS-FY",
            "basis": f"basis of {record_id}",
            "decided_on": decided_on,
            "publish_from": publish_from,
            "publish_until": publish_until,
            "source_province": "32",
        }
    )


def flag(rec: CreditRecord, kind: str = "extended", rule: str = "R1") -> FlagWithRecord:
    step = PathStep(source="ORG-X", rel="LEGAL_REP_OF", direction="in", target=ORG, rule=rule)
    stored = Flag.model_validate(
        {
            "record_id": rec.record_id,
            "record_subject": "ORG-X",
            "rule": rule,
            "kind": kind,
            "score": 1.0,
            "hops": 1,
            "path": [step],
            "basis": f"basis of rule {rule}",
            "rules_version": "2025.1",
            "computed_at": "2026-05-01T00:00:00Z",
        }
    )
    return FlagWithRecord(stored, rec)


def review(
    records: list[CreditRecord],
    flags: list[FlagWithRecord] | None = None,
    context: ReviewContext = "procurement",
    policy: ReviewPolicy | None = None,
) -> Any:
    subject = SubjectFound(key=ORG, label="Organization", attributes={"name": "A"}, records=records)
    return review_subject(policy or POLICY, context, ORG, subject, flags or [], AS_OF)


def refused(raw: object) -> str:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(raw, source="policy.yaml")
    return str(caught.value)


# --------------------------------------------------------------------------- the file


def test_shipped_policy_loads_and_covers_every_context() -> None:
    policy = load_policy()
    assert policy.version == RAW["version"]
    assert set(Contexts.model_fields) == set(CONTEXTS)
    for context in CONTEXTS:
        rules = policy.context(context)
        assert rules.own.black.severe.decision == "block", context  # 严重 → joint punishment
        assert rules.own.red.decision == "pass" and rules.own.red.incentive
        assert rules.flags.pending.decision != "block"


@pytest.mark.parametrize("context", CONTEXTS)
def test_shipped_general_level_outside_honours_is_a_note_not_a_block(
    context: ReviewContext,
) -> None:
    outcome = POLICY.context(context).own.black.general
    expected = "review" if context == "honours" else "pass"
    assert outcome.decision == expected
    if context != "honours":
        assert "信用提醒" in outcome.measure and "credit reminder" in outcome.measure


def test_every_measure_is_bilingual() -> None:
    policy = load_policy()
    for context in CONTEXTS:
        rules = policy.context(context)
        outcomes = [
            *(getattr(rules.own, lst).at(lvl) for lst in ("black", "focus")
              for lvl in ("severe", "serious", "general")),
            rules.own.red, rules.flags.extended, rules.flags.associated, rules.flags.pending,
        ]  # fmt: skip
        for outcome in outcomes:
            assert " / " in outcome.measure, (context, outcome.measure)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda raw: raw["contexts"]["procurement"]["flags"]["pending"].update(decision="block"),
            "context procurement: flags.pending.decision must not be block",
        ),
        (
            lambda raw: raw["contexts"]["bidding"]["own"]["black"]["severe"].pop("measure"),
            "context bidding: own.black.severe.measure is required",
        ),
        (
            lambda raw: raw["contexts"]["honours"]["own"]["focus"]["serious"].update(
                decison="review"
            ),
            "context honours: own.focus.serious.decison is not a known field",
        ),
        (
            lambda raw: raw["contexts"]["general"]["flags"]["extended"].update(decision="deny"),
            "context general: flags.extended.decision input should be 'block', 'review' or 'pass'",
        ),
        (
            lambda raw: raw["contexts"]["licensing"]["own"]["red"].update(decision="review"),
            "context licensing: own.red.decision must be pass",
        ),
        (lambda raw: raw["contexts"].pop("fiscal_funds"), "contexts.fiscal_funds is required"),
        (
            lambda raw: raw["contexts"].update(lottery=raw["contexts"]["general"]),
            "contexts.lottery is not a known field",
        ),
        (
            lambda raw: raw["not_found"].update(decision="pass"),
            "not_found.decision must not be pass",
        ),
        (lambda raw: raw.pop("version"), "version is required"),
        (lambda raw: raw["default_level"].update(black="grave"), "default_level.black input"),
    ],
)
def test_malformed_policy_is_refused_naming_entry_and_field(edit: Any, message: str) -> None:
    raw = copy.deepcopy(RAW)
    edit(raw)
    error = refused(raw)
    assert error.startswith("policy.yaml: ")
    assert message in error
    assert error.count(";") == 0  # exactly one problem reported


def test_shared_anchor_keys_are_not_policy() -> None:
    # The `_shared` block only holds YAML anchors; editing it after parsing changes nothing.
    raw = copy.deepcopy(RAW)
    raw["_shared"] = {"anything": "goes"}
    assert parse_policy(raw) == load_policy()


def test_unreadable_or_non_mapping_policy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("contexts: [", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="cannot read"):
        load_policy(broken)
    assert "must be a mapping" in refused([])


# --------------------------------------------------------------------------- combination


def test_worst_and_mildest() -> None:
    assert worst(["pass", "block", "review"]) == "block"
    assert worst(["pass", "review"]) == "review"
    assert worst([]) == "pass"
    rules = POLICY.context("procurement")
    pending, block = rules.flags.pending, rules.own.black.severe
    assert mildest(block, pending) is pending
    # On a tie the first wins, so a caller decides which measure explains the decision.
    assert mildest(pending, rules.flags.associated) is pending


@pytest.mark.parametrize(
    ("status", "publish_from", "publish_until", "counts"),
    [
        ("active", date(2026, 1, 1), date(2027, 1, 1), True),
        ("active", AS_OF, AS_OF, True),  # both ends inclusive
        ("active", date(2026, 6, 2), None, False),  # not yet published
        ("active", date(2025, 1, 1), date(2026, 5, 31), False),  # publicity over
        ("active", date(2025, 1, 1), None, True),  # an open end never ends
        ("under_objection", date(2026, 1, 1), None, True),
        ("repaired", date(2026, 1, 1), None, False),
        ("revoked", date(2026, 1, 1), None, False),
        ("expired", date(2026, 1, 1), None, False),
    ],
)
def test_counts_on(
    status: str, publish_from: date, publish_until: date | None, counts: bool
) -> None:
    rec = record(status=status, publish_from=publish_from, publish_until=publish_until)
    assert counts_on(rec, AS_OF) is counts


def test_a_record_without_publicity_start_is_public_from_its_decision() -> None:
    assert counts_on(record(publish_from=None, decided_on=date(2026, 5, 1)), AS_OF)
    assert not counts_on(record(publish_from=None, decided_on=date(2026, 7, 1)), AS_OF)


def test_severe_black_record_blocks_procurement_with_its_basis() -> None:
    result = review([record()])
    assert (result.decision, result.incentive) == ("block", False)
    (reason,) = result.reasons
    assert (reason.finding, reason.kind, reason.rule) == ("own_record", "own", None)
    assert reason.basis == ["basis of REC-1"]
    assert "限制参与政府采购" in reason.measure and "government procurement" in reason.measure


def test_serious_record_is_review_and_unlevelled_black_reads_as_severe() -> None:
    assert review([record(level="serious")]).decision == "review"
    assert review([record(level=None)]).decision == "block"
    assert review([record(list_="focus", level=None)]).decision == "review"


def test_general_record_passes_with_a_note_in_general_context() -> None:
    result = review([record(level="general")], context="general")
    assert result.decision == "pass"
    assert [r.finding for r in result.reasons] == ["own_record"]
    assert "信用提醒" in result.reasons[0].measure


def test_record_under_objection_is_review_never_block() -> None:
    result = review([record(status="under_objection")])
    assert result.decision == "review"
    assert "under objection" in result.reasons[0].summary
    assert "异议" in result.reasons[0].measure
    # ...and never heavier than the record itself would be.
    note = review([record(level="general", status="under_objection")], context="general")
    assert note.decision == "pass"


def test_extended_flag_from_severe_record_blocks_with_path_and_both_bases() -> None:
    result = review([], [flag(record(record_id="REC-X"))])
    assert result.decision == "block"
    (reason,) = result.reasons
    assert (reason.rule, reason.kind, reason.record_subject) == ("R1", "extended", "ORG-X")
    assert reason.path[0].rel == "LEGAL_REP_OF"
    assert reason.basis == ["basis of REC-X", "basis of rule R1"]


def test_flag_never_weighs_more_than_its_record() -> None:
    serious = record(record_id="REC-X", level="serious")
    assert review([], [flag(serious)]).decision == "review"


def test_flag_whose_record_is_now_under_objection_is_pending() -> None:
    disputed = record(record_id="REC-X", status="under_objection")
    reason = review([], [flag(disputed, kind="extended")]).reasons[0]
    assert reason.decision == "review"
    assert "异议" in reason.measure and "record under objection" in reason.summary


def test_flag_whose_record_no_longer_counts_is_ignored() -> None:
    for status in ("repaired", "revoked", "expired"):
        stale = flag(record(record_id="REC-X", status=status))
        result = review([], [stale])
        assert result.decision == "pass"
        assert [r.finding for r in result.reasons] == ["clear"]


def test_red_only_passes_with_incentive() -> None:
    result = review([record(list_="red", level=None)])
    assert (result.decision, result.incentive) == ("pass", True)
    assert [r.finding for r in result.reasons] == ["own_record", "clear"]
    assert "绿色通道" in result.reasons[0].measure
    assert result.reasons[1].summary == f"no active negative record or flag on {AS_OF}"


def test_red_with_anything_negative_gets_no_incentive() -> None:
    note = record(record_id="REC-2", level="general")
    result = review([record(list_="red", level=None), note], context="general")
    assert (result.decision, result.incentive) == ("pass", False)
    honour = next(r for r in result.reasons if r.list == "red")
    assert "incentive not applied" in honour.measure
    disputed = review([record(list_="red", level=None, status="under_objection")])
    assert disputed.incentive is False


def test_nothing_counting_passes_with_a_reason() -> None:
    result = review([record(status="repaired")])
    assert result.decision == "pass" and not result.incentive
    assert result.reasons[0].summary == "no active negative record or flag on 2026-06-01"


def test_unknown_subject_is_review_with_reason() -> None:
    result = review_subject(POLICY, "procurement", "NOPE", None, [], AS_OF)
    assert (result.found, result.decision, result.incentive) == (False, "review", False)
    assert result.reasons[0].summary == NOT_FOUND


def test_reasons_are_sorted_whatever_the_input_order() -> None:
    records = [
        record("REC-3", level="general"),
        record("REC-1", level="serious"),
        record("REC-2"),
        record("REC-0", list_="focus", level="severe"),
    ]
    flags = [flag(record("REC-9")), flag(record("REC-8"), kind="associated", rule="R2")]
    forward = review(records, flags)
    backward = review(records[::-1], flags[::-1])
    assert forward == backward
    assert [r.record_id for r in forward.reasons] == [
        "REC-2", "REC-0", "REC-9", "REC-1", "REC-8", "REC-3",
    ]  # fmt: skip


@given(
    context=st.sampled_from(CONTEXTS),
    levels=st.lists(st.sampled_from(["severe", "serious", "general", None]), max_size=4),
    lists=st.lists(st.sampled_from(["black", "focus"]), min_size=4, max_size=4),
    flag_kinds=st.lists(st.sampled_from(["extended", "associated", "pending"]), max_size=3),
)
def test_pending_findings_never_block(
    context: ReviewContext, levels: list[str | None], lists: list[str], flag_kinds: list[str]
) -> None:
    # Only disputed records and pending flags: whatever their list, level or kind, no block.
    records = [
        record(f"REC-{i}", list_=lists[i], level=level, status="under_objection")
        for i, level in enumerate(levels)
    ]
    flags = [
        flag(record(f"REC-F{i}", status="under_objection"), kind=kind)
        for i, kind in enumerate(flag_kinds)
    ]
    flags.append(flag(record("REC-P"), kind="pending"))
    result = review(records, flags, context=context)
    assert result.decision != "block"
    assert all(r.decision != "block" for r in result.reasons)
