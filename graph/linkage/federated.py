"""Federated credit review: a review here that also asks the partner provinces live.

The partners' ``POST /linkage/v1/check`` are called concurrently, each under its own
timeout and never retried (a person waits for the answer), and the whole fan-out is bounded
by the slowest partner's timeout: a partner that has not answered by then is named in the
result as not answering, and the review returns with what it has — partial, never a hang.

A partner's counting black- or focus-list record becomes a reason of the subject it concerns,
naming the partner province, and the signed answer it came in (the SHA-256 of the signed
check response, as ``source_page``) when the partner signs its answers; a record we already
hold from the partner's feed is not counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from graph.identifiers import InvalidIdentifier, validate_uscc
from graph.linkage.client import PartnerClient, PartnerEndpoint, PartnerError, Retry
from graph.linkage.signing import SignatureRefused, page_digest, verify_page
from graph.linkage.sync import record_row
from graph.model import CreditRecord, PathStep, label_of
from graph.review.credit_review import (
    PartnerAnswers,
    ReviewContext,
    ReviewPolicy,
    ReviewReason,
    ReviewResult,
    counts_on,
    credit_review,
    negative_record_reason,
    with_reasons,
)
from graph.settings import Partner, Settings
from graph.store.queries import linkage_sync as q
from graph.store.repository import Repository
from graph.vocabulary import PROVINCE_NAMES, RED, FlagKind

# Beyond the slowest partner's own timeout: the time to connect and read what it sent.
GRACE_S = 1.0


def federated_review(
    repo: Repository,
    settings: Settings,
    keys: Sequence[str],
    context: ReviewContext,
    as_of: date,
    policy: ReviewPolicy,
    purpose: str,
) -> ReviewResult:
    """:func:`~graph.review.credit_review.credit_review`, with the partners' live answers
    merged in and ``partners`` saying who answered."""
    result = credit_review(repo, keys, context, as_of, policy)
    asks = partner_subjects(repo, settings, [review.key for review in result.subjects])
    partners = settings.partners or {}
    answers, missing = ask_partners(partners, [subject for _, subject in asks], purpose)
    # What a subject's review already rests on: a record we hold from the partner's feed,
    # or a flag of it derived here, is not counted twice.
    held = {
        review.key: {reason.record_id for reason in review.reasons if reason.record_id}
        for review in result.subjects
    }
    extra: dict[str, list[ReviewReason]] = {}
    for code, (digest, items) in sorted(answers.items()):
        for (key, _), item in zip(asks, items, strict=True):
            reasons = [
                _partner_reason(policy, context, code, record)
                for record in _records(code, item, digest)
                if record.list != RED and counts_on(record, as_of)
            ]
            reasons += _flag_reasons(policy, context, code, item, digest)
            fresh = [r for r in reasons if r.record_id not in held.get(key, set())]
            if fresh:
                extra.setdefault(key, []).extend(fresh)
    merged = with_reasons(result, extra, policy)
    return merged.model_copy(
        update={
            "partners": PartnerAnswers(
                asked=sorted(partners),
                answered=sorted(answers),
                not_answered=dict(sorted(missing.items())),
            )
        }
    )


def partner_subjects(
    repo: Repository, settings: Settings, keys: Sequence[str]
) -> list[tuple[str, dict[str, str]]]:
    """The keys a partner can be asked about, as the check names them: an organisation by
    USCC, a person by its linkage key (a pid means nothing across a border)."""
    persons = [key for key in keys if label_of(key) == "Person"]
    linkage = {
        row["pid"]: row["linkage_key"]
        for row in (repo.read(q.LINKAGE_KEYS_OF, pids=persons) if persons else [])
        if row["linkage_key"]
    }
    asks: list[tuple[str, dict[str, str]]] = []
    for key in keys:
        if key in linkage:
            asks.append((key, {"linkage_key": linkage[key]}))
        elif label_of(key) == "Organization":
            try:
                asks.append((key, {"uscc": validate_uscc(key, settings.uscc_allow_list)}))
            except InvalidIdentifier:
                continue  # a surrogate key of ours: no partner knows it
    return asks


def ask_partners(
    partners: Mapping[str, Partner], subjects: list[dict[str, str]], purpose: str
) -> tuple[dict[str, tuple[str | None, list[Mapping[str, Any]]]], dict[str, str]]:
    """Each answering partner's (signed answer digest, one item per subject), and why each
    other partner did not answer."""
    if not partners:
        return {}, {}
    if not subjects:
        return {code: (None, []) for code in partners}, {}
    pool = ThreadPoolExecutor(max_workers=len(partners), thread_name_prefix="federated")
    futures: dict[str, Future[tuple[str | None, list[Mapping[str, Any]]]]] = {
        code: pool.submit(_ask, code, partner, subjects, purpose)
        for code, partner in partners.items()
    }
    bound = max(partner.timeout_s for partner in partners.values()) + GRACE_S
    wait(futures.values(), timeout=bound)
    # A partner still working is left to finish on its own: the review does not wait for it.
    pool.shutdown(wait=False, cancel_futures=True)
    answers: dict[str, tuple[str | None, list[Mapping[str, Any]]]] = {}
    missing: dict[str, str] = {}
    for code, future in futures.items():
        if not future.done():
            missing[code] = f"no answer within {bound:g}s"
        elif (error := future.exception()) is not None:
            missing[code] = str(error)[:300]
        else:
            answers[code] = future.result()
    return answers, missing


def _ask(
    code: str, partner: Partner, subjects: list[dict[str, str]], purpose: str
) -> tuple[str | None, list[Mapping[str, Any]]]:
    endpoint = PartnerEndpoint(
        code, partner.url, partner.api_key.get_secret_value(), partner.timeout_s
    )
    with PartnerClient(endpoint, purpose, retry=Retry(attempts=1)) as client:
        body = client.check(subjects)
    digest = None
    if isinstance(body, dict) and "signature" in body:
        try:
            verify_page(body, partner.public_keys)
        except SignatureRefused as exc:
            raise PartnerError(f"partner {code}: check answer refused: {exc}") from None
        digest = page_digest(body)
        body = body.get("results")
    if not isinstance(body, list) or len(body) != len(subjects):
        raise PartnerError(f"partner {code}: check did not answer each subject asked")
    if not all(isinstance(item, dict) for item in body):
        raise PartnerError(f"partner {code}: check answered a malformed result")
    return digest, body


def _records(code: str, item: Mapping[str, Any], digest: str | None) -> list[CreditRecord]:
    """The partner records of one answer item, named as the feed names them (``33:<id>``);
    a record we cannot read is left out (its subject keeps our own decision)."""
    records = []
    for raw in item.get("records") or []:
        if not isinstance(raw, dict):
            continue
        try:
            row = record_row({"op": "upsert", "record": raw}, code, None, None)
        except (KeyError, TypeError, ValueError):
            continue
        props = row["props"]
        records.append(
            CreditRecord(
                record_id=row["record_id"],
                source_province=code,
                source_page=digest,
                **{k: props.get(k) for k in CreditRecord.model_fields if k in props},
            )
        )
    return records


def _flag_reasons(
    policy: ReviewPolicy,
    context: ReviewContext,
    code: str,
    item: Mapping[str, Any],
    digest: str | None,
) -> list[ReviewReason]:
    """The flags a partner derived for the subject through its own graph (relationships we
    may not hold), each weighed by its kind; persons on its path are the partner's aliases."""
    reasons = []
    for raw in item.get("flags") or []:
        try:
            flag = PartnerFlag.model_validate(raw)
        except ValidationError:
            continue
        outcome = policy.context(context).flag(flag.kind)
        hops = f"{flag.hops} hop" + ("s" if flag.hops != 1 else "")
        reasons.append(
            ReviewReason(
                finding="flag",
                summary=f"{PROVINCE_NAMES.get(code, code)} ({code}): {flag.kind} flag by rule "
                f"{flag.rule} ({hops}) from a record of {flag.record_subject}, asked live "
                f"({_signed(digest)})",
                decision=outcome.decision,
                measure=outcome.measure,
                basis=[flag.basis] if flag.basis else [],
                path=flag.path,
                record_id=f"{code}:{flag.record_id}",
                record_subject=flag.record_subject,
                category=flag.category,
                source_province=code,
                source_page=digest,
                rule=flag.rule,
                kind=flag.kind,
                score=flag.score,
                hops=flag.hops,
            )
        )
    return reasons


class PartnerFlag(BaseModel):
    """A flag as a partner's check answers it (:func:`graph.linkage.check.check`)."""

    record_id: str
    record_subject: str
    rule: str
    kind: FlagKind
    score: float
    hops: int
    path: list[PathStep]
    basis: str | None = None
    category: str | None = None


def _signed(digest: str | None) -> str:
    return f"signed answer sha256 {digest[:16]}…" if digest else "unsigned answer"


def _partner_reason(
    policy: ReviewPolicy, context: ReviewContext, code: str, record: CreditRecord
) -> ReviewReason:
    reason = negative_record_reason(policy, context, record)
    return reason.model_copy(
        update={
            "summary": f"{PROVINCE_NAMES.get(code, code)} ({code}): {reason.summary}, "
            f"asked live ({_signed(record.source_page)})",
        }
    )
