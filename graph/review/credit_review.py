"""Credit review (信用审查): block, review or pass for up to 1,000 subjects in one context.

What a finding means in each context is data: the versioned policy in ``policy.yaml``
beside this module, validated on load. A malformed file is refused with an error naming the
entry and the field, e.g. ``context procurement: flags.pending.decision must not be block``.

Semantics
---------
- A record counts on ``as_of`` when it is live then (:func:`graph.vocabulary.record_counts`
  with ``LIVE_STATUSES``): its status is ``active`` or ``under_objection`` and
  ``publish_from <= as_of <= publish_until`` (an open end never ends; a record without a
  publicity start is public from its decision, as in propagation). Repaired, revoked and
  expired records never count: once repaired, sanctions stop with publication.
- A record under objection (异议) counts as pending: it gets the milder of its normal outcome
  and the context's ``flags.pending`` entry, which may never block.
- Flags (``FLAGGED``) are the paths of the *last propagation run*, which may predate a repair,
  an objection or the end of a publicity window. So each flag is joined to its originating
  record and the record is re-checked on ``as_of``: a flag counts only if its record does, and
  a flag whose record is now under objection is treated as pending whatever its stored kind.
- A flag never weighs more than its record does on the record's own subject: its outcome is
  the milder of the flag kind's and the record's own (by list and level).
- The subject's decision is the worst of its reasons (block > review > pass). Every decision
  has at least one reason: an unknown key is ``review`` ("subject not found in the credit
  graph"), never a silent pass, and a subject with no counting negative finding gets the
  reason "no active negative record or flag on <as_of>".
- A red-list honour counting on ``as_of`` (and not under objection) earns the ``incentive``
  (绿色通道) only if nothing negative counts; it never changes the decision.
- Deterministic: the result depends only on the graph, the keys, the context, ``as_of`` and
  the policy. Reasons are sorted, and no timestamp appears except the echoed ``as_of`` and the
  policy version.

The whole batch is read with two queries (subjects with their records, flags with their
records), never one per subject; the decisions are a pure function of what they return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph.model import CreditRecord, Flag, PathStep, label_of
from graph.reads.subjects import flag_from_row
from graph.store.queries import review as q
from graph.store.repository import Repository
from graph.vocabulary import (
    LIVE_STATUSES,
    RED,
    UNDER_OBJECTION,
    FlagKind,
    Level,
    ListName,
    NegativeList,
    SubjectLabel,
    record_counts,
)

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "policy.yaml"
MAX_SUBJECTS = 1_000

Decision = Literal["block", "review", "pass"]
ReviewContext = Literal["procurement", "bidding", "fiscal_funds", "honours", "licensing", "general"]
CONTEXTS: tuple[ReviewContext, ...] = get_args(ReviewContext)
FindingKind = Literal["own", "extended", "associated", "pending"]
Finding = Literal["own_record", "flag", "not_found", "clear"]

SEVERITY: dict[Decision, int] = {"pass": 0, "review": 1, "block": 2}
NOT_FOUND = "subject not found in the credit graph"

# Aliases for annotations inside ReviewReason, whose `list` field shadows the builtin there.
Texts = list[str]
Steps = list[PathStep]

_FINDING_ORDER: dict[Finding, int] = {"not_found": 0, "own_record": 1, "flag": 2, "clear": 3}
_LIST_ORDER = {"black": 0, "focus": 1, "red": 2}


# --------------------------------------------------------------------------- the policy


class PolicyFileError(ValueError):
    """A review policy that cannot be used; the message names the file, entry and field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Outcome(_Model):
    """What a finding leads to: a decision and the measure that justifies it."""

    decision: Decision
    measure: str = Field(min_length=1)


class PendingOutcome(Outcome):
    @field_validator("decision")
    @classmethod
    def _never_block(cls, value: Decision) -> Decision:
        if value == "block":
            raise ValueError(
                "must not be block: pending flags and records under objection never block"
            )
        return value


class NotFoundOutcome(Outcome):
    @field_validator("decision")
    @classmethod
    def _never_pass(cls, value: Decision) -> Decision:
        if value == "pass":
            raise ValueError("must not be pass: an unknown subject is never passed unseen")
        return value


class RedOutcome(Outcome):
    incentive: bool

    @field_validator("decision")
    @classmethod
    def _always_pass(cls, value: Decision) -> Decision:
        if value != "pass":
            raise ValueError("must be pass: a red-list honour is never a reason to restrict")
        return value


class ClearOutcome(_Model):
    measure: str = Field(min_length=1)


class LevelOutcomes(_Model):
    severe: Outcome
    serious: Outcome
    general: Outcome

    def at(self, level: Level) -> Outcome:
        outcome: Outcome = getattr(self, level)
        return outcome


class OwnOutcomes(_Model):
    black: LevelOutcomes
    focus: LevelOutcomes
    red: RedOutcome


class FlagOutcomes(_Model):
    extended: Outcome
    associated: Outcome
    pending: PendingOutcome


class ContextPolicy(_Model):
    title: str = Field(min_length=1)
    own: OwnOutcomes
    flags: FlagOutcomes

    def negative(self, list_name: NegativeList, level: Level) -> Outcome:
        levels: LevelOutcomes = getattr(self.own, list_name)
        return levels.at(level)

    def flag(self, kind: FlagKind) -> Outcome:
        outcome: Outcome = getattr(self.flags, kind)
        return outcome


class Contexts(_Model):
    # One field per ReviewContext, so a missing or misspelt context is named on load.
    procurement: ContextPolicy
    bidding: ContextPolicy
    fiscal_funds: ContextPolicy
    honours: ContextPolicy
    licensing: ContextPolicy
    general: ContextPolicy


class DefaultLevels(_Model):
    black: Level
    focus: Level


class ReviewPolicy(_Model):
    version: str = Field(min_length=1)
    default_level: DefaultLevels
    not_found: NotFoundOutcome
    clear: ClearOutcome
    incentive_withheld: str = Field(min_length=1)
    contexts: Contexts

    def context(self, name: ReviewContext) -> ContextPolicy:
        policy: ContextPolicy = getattr(self.contexts, name)
        return policy


def load_policy(path: str | Path | None = None) -> ReviewPolicy:
    """Load and validate a policy file; the shipped ``policy.yaml`` when ``path`` is None."""
    source = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"{source}: cannot read the review policy: {exc}") from exc
    return parse_policy(raw, source=str(source))


def parse_policy(raw: object, source: str = "<policy>") -> ReviewPolicy:
    """Validate already-parsed policy data (a mapping as read from YAML)."""
    if not isinstance(raw, Mapping):
        raise PolicyFileError(f"{source}: the policy must be a mapping, not {type(raw).__name__}")
    # Keys starting with `_` only hold YAML anchors for the entries that alias them.
    data = {k: v for k, v in raw.items() if not str(k).startswith("_")}
    try:
        return ReviewPolicy.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise PolicyFileError(f"{source}: " + "; ".join(problems)) from exc


def _describe(error: Mapping[str, Any]) -> str:
    """``context procurement: flags.pending.decision must not be block …`` from one error."""
    loc: Sequence[str | int] = error["loc"]
    where = ""
    if len(loc) >= 3 and loc[0] == "contexts":
        where, loc = f"context {loc[1]}", loc[2:]
    field = ".".join(str(part) for part in loc)
    text = f"{field} {_message(error)}" if field else _message(error)
    return f"{where}: {text}" if where else text


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


# --------------------------------------------------------------------------- results


class ReviewReason(BaseModel):
    """One reason behind a decision: a record, a flag with its path, or why there is none."""

    finding: Finding
    summary: str
    decision: Decision
    measure: str
    # Legal basis: the record's basis, then (for flags) the propagation rule's basis.
    basis: Texts = []
    path: Steps = []  # for flags: from the record's subject to this subject
    record_id: str | None = None
    record_subject: str | None = None  # for flags: whose record reaches this subject
    record_status: str | None = None
    list: ListName | None = None
    level: Level | None = None
    category: str | None = None
    authority: str | None = None
    authority_name: str | None = None
    source_province: str | None = None
    source_page: str | None = None  # a partner's record: the signed page it rests on
    rule: str | None = None  # None for own records
    kind: FindingKind | None = None
    score: float | None = None
    hops: int | None = None
    rules_version: str | None = None


class SubjectReview(BaseModel):
    key: str
    found: bool
    label: SubjectLabel | None = None
    name: str | None = None
    decision: Decision
    incentive: bool
    reasons: list[ReviewReason]


class PartnerAnswers(BaseModel):
    """Which partner provinces a federated review asked live, and which did not answer (a
    partial result: their records are missing from the decisions)."""

    asked: list[str]
    answered: list[str]
    not_answered: dict[str, str]  # province code -> why


class ReviewResult(BaseModel):
    context: ReviewContext
    as_of: date
    policy_version: str
    decisions: dict[Decision, int]  # how many subjects got each decision
    incentives: int
    subjects: list[SubjectReview]  # in the order the keys were given, each key once
    partners: PartnerAnswers | None = None  # a federated review only


class SubjectFound(NamedTuple):
    """A subject as the batch read returns it."""

    key: str
    label: SubjectLabel
    attributes: dict[str, Any]
    records: list[CreditRecord]


class FlagWithRecord(NamedTuple):
    """A stored flag with the record it points to, as that record stands now."""

    flag: Flag
    record: CreditRecord


# --------------------------------------------------------------------------- reading


def keys_by_label(keys: Sequence[str]) -> dict[str, list[str]]:
    """The query parameters splitting ``keys`` into organisation and person keys."""
    persons = [k for k in keys if label_of(k) == "Person"]
    organizations = [k for k in keys if label_of(k) == "Organization"]
    return {"organization_keys": organizations, "person_keys": persons}


def subjects_with_records(repo: Repository, keys: Sequence[str]) -> dict[str, SubjectFound]:
    """Each known key's subject and all its records, whatever their status; unknown keys omitted."""
    rows = repo.read(q.SUBJECTS_WITH_RECORDS, **keys_by_label(keys))
    return {
        row["key"]: SubjectFound(
            key=row["key"],
            label=row["label"],
            attributes=row["attributes"],
            records=[CreditRecord(**r) for r in row["records"]],
        )
        for row in rows
    }


def flags_with_records(repo: Repository, keys: Sequence[str]) -> dict[str, list[FlagWithRecord]]:
    """Each key's stored flags, each with its originating record as it stands now."""
    found: dict[str, list[FlagWithRecord]] = {}
    for row in repo.read(q.FLAGS_WITH_RECORDS, **keys_by_label(keys)):
        pair = FlagWithRecord(flag_from_row(row["flag"]), CreditRecord(**row["record"]))
        found.setdefault(row["key"], []).append(pair)
    return found


# --------------------------------------------------------------------------- deciding


def counts_on(record: CreditRecord, as_of: date) -> bool:
    """Whether ``record`` counts on ``as_of``: active or under objection, and published."""
    return record_counts(
        as_of,
        status=record.status,
        publish_from=record.publish_from,
        decided_on=record.decided_on,
        publish_until=record.publish_until,
        statuses=LIVE_STATUSES,
    )


def credit_review(
    repo: Repository,
    subject_keys: Sequence[str],
    context: ReviewContext,
    as_of: date,
    policy: ReviewPolicy,
) -> ReviewResult:
    """Decide ``block``, ``review`` or ``pass`` for each subject in ``context`` on ``as_of``.

    Duplicate keys are reviewed once, in the order first given.
    """
    if context not in CONTEXTS:
        raise ValueError(f"unknown review context {context!r}; expected one of {CONTEXTS}")
    keys = list(dict.fromkeys(subject_keys))
    if len(keys) > MAX_SUBJECTS:
        raise ValueError(f"at most {MAX_SUBJECTS} subjects per review, got {len(keys)}")
    found = subjects_with_records(repo, keys) if keys else {}
    flags = flags_with_records(repo, keys) if keys else {}
    reviews = [
        review_subject(policy, context, key, found.get(key), flags.get(key, []), as_of)
        for key in keys
    ]
    return ReviewResult(
        context=context,
        as_of=as_of,
        policy_version=policy.version,
        decisions={d: sum(r.decision == d for r in reviews) for d in ("block", "review", "pass")},
        incentives=sum(r.incentive for r in reviews),
        subjects=reviews,
    )


def review_subject(
    policy: ReviewPolicy,
    context: ReviewContext,
    key: str,
    subject: SubjectFound | None,
    flags: Sequence[FlagWithRecord],
    as_of: date,
) -> SubjectReview:
    """The decision for one subject from what the graph holds about it: pure."""
    if subject is None:
        reason = ReviewReason(
            finding="not_found",
            summary=NOT_FOUND,
            decision=policy.not_found.decision,
            measure=policy.not_found.measure,
        )
        return SubjectReview(
            key=key, found=False, decision=reason.decision, incentive=False, reasons=[reason]
        )
    rules = policy.context(context)
    counting = [r for r in subject.records if counts_on(r, as_of)]
    honours = [r for r in counting if r.list == RED]
    reasons = [_own_reason(policy, rules, r) for r in counting if r.list != RED]
    # A flag on a red record carries nothing negative; no propagation rule starts from one.
    reasons += [
        _flag_reason(policy, rules, f)
        for f in flags
        if f.record.list != RED and counts_on(f.record, as_of)
    ]
    negative = bool(reasons)
    incentive = (
        rules.own.red.incentive
        and not negative
        and any(r.status != UNDER_OBJECTION for r in honours)
    )
    reasons += [_honour_reason(policy, rules, r, incentive) for r in honours]
    if not negative:
        reasons.append(
            ReviewReason(
                finding="clear",
                summary=f"no active negative record or flag on {as_of.isoformat()}",
                decision="pass",
                measure=policy.clear.measure,
            )
        )
    reasons.sort(key=_reason_order)
    return SubjectReview(
        key=key,
        found=True,
        label=subject.label,
        name=subject.attributes.get("name"),
        decision=worst(r.decision for r in reasons),
        incentive=incentive,
        reasons=reasons,
    )


def negative_record_reason(
    policy: ReviewPolicy, context: ReviewContext, record: CreditRecord
) -> ReviewReason:
    """The reason a counting black- or focus-list record gives its own subject."""
    return _own_reason(policy, policy.context(context), record)


def with_reasons(
    result: ReviewResult, extra: Mapping[str, Sequence[ReviewReason]], policy: ReviewPolicy
) -> ReviewResult:
    """``result`` with negative reasons found elsewhere (a partner's live answer) added to
    the subjects they concern, decided again as :func:`review_subject` decides: the worst
    reason wins, a subject with one is no longer clear and earns no incentive."""
    subjects = [_with(review, extra.get(review.key, ()), policy) for review in result.subjects]
    return result.model_copy(
        update={
            "subjects": subjects,
            "decisions": {
                d: sum(r.decision == d for r in subjects) for d in ("block", "review", "pass")
            },
            "incentives": sum(r.incentive for r in subjects),
        }
    )


def _with(
    review: SubjectReview, extra: Sequence[ReviewReason], policy: ReviewPolicy
) -> SubjectReview:
    if not extra:
        return review
    kept = [
        reason.model_copy(update={"measure": policy.incentive_withheld})
        if reason.list == RED
        else reason
        for reason in review.reasons
        if reason.finding != "clear"
    ]
    reasons = sorted([*kept, *extra], key=_reason_order)
    return review.model_copy(
        update={
            "reasons": reasons,
            "decision": worst(r.decision for r in reasons),
            "incentive": False,
        }
    )


def worst(decisions: Iterable[Decision]) -> Decision:
    """The most restrictive of ``decisions`` (block > review > pass); ``pass`` if none."""
    return max(decisions, key=SEVERITY.__getitem__, default="pass")


def mildest(*outcomes: Outcome) -> Outcome:
    """The least restrictive outcome; on a tie the first given, so callers rank the measures."""
    return min(outcomes, key=lambda o: SEVERITY[o.decision])


def _level(policy: ReviewPolicy, record: CreditRecord) -> Level:
    if record.level is not None:
        return record.level
    return policy.default_level.black if record.list == "black" else policy.default_level.focus


def _record_outcome(policy: ReviewPolicy, rules: ContextPolicy, record: CreditRecord) -> Outcome:
    list_name: NegativeList = "black" if record.list == "black" else "focus"
    return rules.negative(list_name, _level(policy, record))


def _own_reason(policy: ReviewPolicy, rules: ContextPolicy, record: CreditRecord) -> ReviewReason:
    outcome = _record_outcome(policy, rules, record)
    if record.status == UNDER_OBJECTION:
        # The pending entry first, so its measure explains the decision when they tie.
        outcome = mildest(rules.flags.pending, outcome)
    objection = ", under objection" if record.status == UNDER_OBJECTION else ""
    return ReviewReason(
        finding="own_record",
        summary=f"own {record.list}-list record ({_level(policy, record)}){objection}",
        decision=outcome.decision,
        measure=outcome.measure,
        basis=[record.basis] if record.basis else [],
        kind="own",
        **_record_fields(record),
    )


def _flag_reason(policy: ReviewPolicy, rules: ContextPolicy, pair: FlagWithRecord) -> ReviewReason:
    flag, record = pair
    candidates = [rules.flag(flag.kind), _record_outcome(policy, rules, record)]
    if record.status == UNDER_OBJECTION:
        candidates.insert(0, rules.flags.pending)
    outcome = mildest(*candidates)
    objection = ", record under objection" if record.status == UNDER_OBJECTION else ""
    hops = f"{flag.hops} hop" + ("s" if flag.hops != 1 else "")
    return ReviewReason(
        finding="flag",
        summary=(
            f"{flag.kind} flag by rule {flag.rule} ({hops}) from a {record.list}-list record "
            f"({_level(policy, record)}) of {flag.record_subject}{objection}"
        ),
        decision=outcome.decision,
        measure=outcome.measure,
        basis=[b for b in (record.basis, flag.basis) if b],
        path=flag.path,
        record_subject=flag.record_subject,
        rule=flag.rule,
        kind=flag.kind,
        score=flag.score,
        hops=flag.hops,
        rules_version=flag.rules_version,
        **_record_fields(record),
    )


def _honour_reason(
    policy: ReviewPolicy, rules: ContextPolicy, record: CreditRecord, incentive: bool
) -> ReviewReason:
    objection = ", under objection" if record.status == UNDER_OBJECTION else ""
    return ReviewReason(
        finding="own_record",
        summary=f"own red-list honour{objection}",
        decision=rules.own.red.decision,
        measure=rules.own.red.measure if incentive else policy.incentive_withheld,
        basis=[record.basis] if record.basis else [],
        kind="own",
        **_record_fields(record),
    )


def _record_fields(record: CreditRecord) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "record_status": record.status,
        "list": record.list,
        "level": record.level,
        "category": record.category,
        "authority": record.authority,
        "authority_name": record.authority_name,
        "source_province": record.source_province,
        "source_page": record.source_page,
    }


def _reason_order(reason: ReviewReason) -> tuple[Any, ...]:
    return (
        -SEVERITY[reason.decision],
        _FINDING_ORDER[reason.finding],
        _LIST_ORDER.get(reason.list or "", 3),
        reason.record_id or "",
        reason.rule or "",
        reason.record_subject or "",
    )
