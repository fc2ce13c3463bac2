"""What each audience may see of a subject: the one disclosure rule.

API routes, Dash pages and linkage endpoints all ask this module; none masks on its own.

- **Regulators** (and admins) see subject-level data: persons as the graph holds them, which
  is already masked (``id_masked``; the raw ID number is never stored).
- **Analysts** see aggregates and networks without personal fields: a person is a stable
  alias (:func:`person_alias`) with a placeholder name and no region, so one person is the
  same node across an analyst's responses (a network can still be read) but cannot be joined
  to anything else. They search organisations only, open no person's profile, and no person
  key resolves for them: a pid searched or taken as a network's root answers as an unknown
  key would, whether the person exists or not (:func:`check_root`).
- **Partners** (``partner:<code>``, a Delta province) see persons as analysts do and
  organisations as they are (design.md: no unmasked personal field crosses a border). Their
  aliases are salted by their province, so two partners' answers cannot be joined on a
  person either. What a partner may query at all (its linkage scope) is the linkage
  endpoints' business; this module says only how a subject looks to it. A subject *of a
  shared record* (feed, snapshot, check) reaches a partner by :func:`linkage_subject`: a
  person by linkage key and masked fields, so the partner can match a person it knows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graph.access import Principal
from graph.errors import NotFound, NotPermitted
from graph.model import (
    Flag,
    GraphPath,
    Network,
    NetworkEdge,
    NetworkNode,
    PathStep,
    Person,
    SubjectProfile,
    SubjectRef,
    label_of,
)
from graph.propagation.runs import ChangeFeedEntry, FlagSnapshot
from graph.reads.explorer import Neighbours, NodeFacts
from graph.reads.findings import AppointmentFinding, FindingRecord, PersonRef, RedListConflict
from graph.reads.ownership_graph import (
    ActualController,
    Ownership,
    OwnershipChain,
    OwnershipParty,
    UltimateOwner,
)
from graph.review.credit_review import ReviewReason, ReviewResult

PERSON_PLACEHOLDER = "自然人 (person)"
ALIAS_PREFIX = "person~"

AudienceKind = Literal["regulator", "analyst", "partner"]


@dataclass(frozen=True)
class Audience:
    """Who a disclosure is for; ``province`` is a partner's."""

    kind: AudienceKind
    province: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Audience:
        """The audience of a caller, by its role."""
        if principal.partner_province is not None:
            return cls("partner", principal.partner_province)
        if principal.role == "analyst":
            return cls("analyst")
        if principal.role in ("regulator", "admin"):
            return cls("regulator")
        # Roles are validated when a key is made; an unknown one sees nothing rather than all.
        raise NotPermitted(f"role {principal.role!r} has no disclosure rule")

    @property
    def sees_persons(self) -> bool:
        """Whether persons reach this audience as themselves (masked as stored)."""
        return self.kind == "regulator"

    @property
    def alias_salt(self) -> str:
        # Analysts keep the salt their aliases always had, so their aliases stay stable.
        return "analyst" if self.kind == "analyst" else f"partner:{self.province}"


REGULATOR = Audience("regulator")
ANALYST = Audience("analyst")


def person_alias(pid: str, audience: Audience = ANALYST) -> str:
    """A person's stable alias for ``audience``: a truncated digest of the pid, salted so it
    joins to nothing outside that audience's own answers.

    >>> person_alias("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    'person~07d8af1f95ccb440'
    """
    digest = hashlib.sha256((audience.alias_salt + "|" + pid).encode()).hexdigest()
    return ALIAS_PREFIX + digest[:16]


def is_person_alias(key: str) -> bool:
    """Whether ``key`` is an alias :func:`person_alias` made: it names a person to whom it
    was given, and resolves to nothing."""
    return key.startswith(ALIAS_PREFIX)


def mask_person_name(name: str | None) -> str | None:
    """A name with all but its first character starred: the surname of a Chinese name.

    >>> mask_person_name("欧阳娜娜"), mask_person_name("张三")
    ('欧***', '张*')
    """
    if not name:
        return None
    return name[0] + "*" * max(len(name) - 1, 1)


def linkage_subject(props: Mapping[str, Any]) -> dict[str, Any]:
    """The subject of a shared record as it crosses a border (graph/linkage/PROTOCOL.md):
    an organisation by USCC and name; a person by linkage keys, masked ID number and masked
    name, never a pid (ours are keyed by our own key) nor a full name.

    ``props``: ``uscc``, ``name``, ``region_code``, ``id_masked``, ``linkage_keys`` and
    ``person`` (whether the subject is a person).
    """
    if props.get("person"):
        return {
            "kind": "person",
            "linkage_keys": list(props.get("linkage_keys") or []),
            "id_masked": props.get("id_masked"),
            "name_masked": mask_person_name(props.get("name")),
            "region_code": props.get("region_code"),
        }
    return {
        "kind": "organization",
        "uscc": props.get("uscc"),
        "name": props.get("name"),
        "region_code": props.get("region_code"),
    }


def may_search_persons(audience: Audience) -> bool:
    """Whether a name search may return persons: only to those who see them."""
    return audience.sees_persons


def may_resolve(audience: Audience, key: str) -> bool:
    """Whether ``key`` may be looked up for ``audience``: a person key only for those who
    see persons. Decided by the key's shape alone, never by what the graph holds, so the
    refusal itself tells nothing about whether that person exists."""
    return audience.sees_persons or label_of(key) != "Person"


def subject_not_found(key: str) -> NotFound:
    """The one answer for a subject key that names nothing (or nothing this audience may
    resolve): both must read the same, or the difference would confirm a person."""
    return NotFound(f"no subject with key {key}", field="key")


def check_root(audience: Audience, key: str) -> None:
    """Refuse a person key as the root of a walk exactly as an unknown key is refused.

    Not a 403 as for a profile: an analyst may root networks at organisations, so a
    distinct refusal for person keys would be one more signal; a 404 for every person key,
    present or not, is none."""
    if not may_resolve(audience, key):
        raise subject_not_found(key)


def check_profile(audience: Audience, key: str) -> None:
    """Refuse a person's profile to an audience that receives no personal fields."""
    if label_of(key) == "Person" and not audience.sees_persons:
        raise NotPermitted(
            f"{audience.kind}s receive no personal fields; person profiles need a regulator"
        )


def disclose_person(audience: Audience, person: Person) -> Person:
    """A person as ``audience`` may see them: as stored (masked) for regulators, otherwise
    the alias with the placeholder name and nothing else."""
    if audience.sees_persons:
        return person
    return Person(pid=person_alias(person.pid, audience), name=PERSON_PLACEHOLDER)


def disclose_profile(audience: Audience, profile: SubjectProfile) -> SubjectProfile:
    """A subject's profile as ``audience`` may see it (call :func:`check_profile` first:
    only an organisation's profile reaches an audience that does not see persons)."""
    if audience.sees_persons:
        return profile
    return profile.model_copy(update={"flags": [disclose_flag(audience, f) for f in profile.flags]})


def disclose_flag(audience: Audience, flag: Flag) -> Flag:
    """A flag with every person on its path and as its record's subject aliased."""
    if audience.sees_persons:
        return flag
    alias = _Aliaser(audience)
    return flag.model_copy(
        update={
            "record_subject": alias.key(flag.record_subject),
            "path": [
                PathStep(
                    source=alias.key(s.source),
                    rel=s.rel,
                    direction=s.direction,
                    target=alias.key(s.target),
                    rule=s.rule,
                )
                for s in flag.path
            ],
        }
    )


def disclose_network(audience: Audience, network: Network) -> Network:
    """A related-party network with persons as aliases, placeholder names and no region."""
    if audience.sees_persons:
        return network
    alias = _Aliaser(audience)
    return network.model_copy(
        update={
            "root": alias.key(network.root),
            "nodes": [alias.node(n) for n in network.nodes],
            "edges": [alias.edge(e) for e in network.edges],
        }
    )


def disclose_graph_path(audience: Audience, path: GraphPath) -> GraphPath:
    """A path between two subjects with its persons aliased, as in a network."""
    if audience.sees_persons:
        return path
    alias = _Aliaser(audience)
    return path.model_copy(
        update={
            "nodes": [alias.ref(n) for n in path.nodes],
            "edges": [alias.edge(e) for e in path.edges],
        }
    )


def disclose_facts(audience: Audience, facts: NodeFacts) -> NodeFacts:
    """A node's facts (the explorer's styling and counts) with a person aliased: placeholder
    name, no region or province. The counts of its relationships stay: a network shows them."""
    if audience.sees_persons or facts.label != "Person":
        return facts
    return facts.model_copy(
        update={
            "key": person_alias(facts.key, audience),
            "name": PERSON_PLACEHOLDER,
            "region_code": None,
            "province": None,
        }
    )


def disclose_neighbours(audience: Audience, found: Neighbours) -> Neighbours:
    """A page of neighbours with its persons aliased, as in a network."""
    if audience.sees_persons:
        return found
    alias = _Aliaser(audience)
    return found.model_copy(
        update={
            "key": alias.key(found.key),
            "nodes": [alias.node(n) for n in found.nodes],
            "edges": [alias.edge(e) for e in found.edges],
        }
    )


def disclose_ownership(audience: Audience, report: Ownership) -> Ownership:
    """Owners and controller with every person aliased; organisations stay as they are."""
    if audience.sees_persons:
        return report
    alias = _Aliaser(audience)
    control = report.actual_controller
    return report.model_copy(
        update={
            "beneficial_owners": [alias.owner(o) for o in report.beneficial_owners],
            "other_owners": [alias.owner(o) for o in report.other_owners],
            "actual_controller": None
            if control is None
            else ActualController(
                holder=alias.party(control.holder),
                voting_ratio=control.voting_ratio,
                controlled=control.controlled,  # organisations only
                chains=[alias.chain(c) for c in control.chains],
            ),
        }
    )


@dataclass(frozen=True)
class _Aliaser:
    """Replaces persons by their alias for one audience, in each shape that names them."""

    audience: Audience

    def key(self, key: str) -> str:
        return person_alias(key, self.audience) if label_of(key) == "Person" else key

    def node(self, node: NetworkNode) -> NetworkNode:
        if node.label != "Person":
            return node
        return node.model_copy(
            update={
                "key": person_alias(node.key, self.audience),
                "name": PERSON_PLACEHOLDER,
                "region_code": None,
            }
        )

    def ref(self, ref: SubjectRef) -> SubjectRef:
        if ref.label != "Person":
            return ref
        return ref.model_copy(
            update={
                "key": person_alias(ref.key, self.audience),
                "name": PERSON_PLACEHOLDER,
                "region_code": None,
            }
        )

    def edge(self, edge: NetworkEdge) -> NetworkEdge:
        return edge.model_copy(
            update={"source": self.key(edge.source), "target": self.key(edge.target)}
        )

    def party(self, party: OwnershipParty) -> OwnershipParty:
        if party.label != "Person":
            return party
        return party.model_copy(
            update={
                "key": person_alias(party.key, self.audience),
                "name": PERSON_PLACEHOLDER,
                "id_masked": None,
            }
        )

    def chain(self, chain: OwnershipChain) -> OwnershipChain:
        return chain.model_copy(update={"nodes": [self.party(p) for p in chain.nodes]})

    def owner(self, owner: UltimateOwner) -> UltimateOwner:
        return owner.model_copy(
            update={
                "holder": self.party(owner.holder),
                "chains": [self.chain(c) for c in owner.chains],
            }
        )


def is_person_shown(key: str) -> bool:
    """Whether a key as disclosed names a person: a pid, or a person's alias."""
    return key.startswith(ALIAS_PREFIX) or label_of(key) == "Person"


def disclose_key(audience: Audience, key: str) -> str:
    """A subject key as ``audience`` may see it: a person's as its alias."""
    return _Aliaser(audience).key(key)


def disclose_name(audience: Audience, key: str, name: str | None) -> str | None:
    """A subject's display name as ``audience`` may see it: a person's as the placeholder."""
    if audience.sees_persons or label_of(key) != "Person":
        return name
    return PERSON_PLACEHOLDER


def disclose_path(audience: Audience, path: list[PathStep]) -> list[PathStep]:
    """A propagation path with every person on it aliased."""
    if audience.sees_persons:
        return path
    alias = _Aliaser(audience)
    return [
        s.model_copy(update={"source": alias.key(s.source), "target": alias.key(s.target)})
        for s in path
    ]


def disclose_change(audience: Audience, entry: ChangeFeedEntry) -> ChangeFeedEntry:
    """A change-feed entry with its subject and the paths before and after aliased."""
    if audience.sees_persons:
        return entry

    def snapshot(flag: FlagSnapshot | None) -> FlagSnapshot | None:
        if flag is None:
            return None
        return flag.model_copy(
            update={
                "subject": disclose_key(audience, flag.subject),
                "path": disclose_path(audience, flag.path),
            }
        )

    return entry.model_copy(
        update={
            "subject": disclose_key(audience, entry.subject),
            "before": snapshot(entry.before),
            "after": snapshot(entry.after),
        }
    )


def disclose_appointment(audience: Audience, finding: AppointmentFinding) -> AppointmentFinding:
    """A restricted person in post (违规任职) with the person as an alias: the post and the
    organisation stay, which is what an analyst counts."""
    if audience.sees_persons:
        return finding
    return finding.model_copy(
        update={
            "person": PersonRef(
                pid=disclose_key(audience, finding.person.pid), name=PERSON_PLACEHOLDER
            ),
            "record": _disclose_finding_record(audience, finding.record),
            "flag": None
            if finding.flag is None
            else finding.flag.model_copy(
                update={"path": disclose_path(audience, finding.flag.path)}
            ),
        }
    )


def disclose_conflict(audience: Audience, conflict: RedListConflict) -> RedListConflict:
    """A red-list conflict with a person subject, and persons on flag paths, aliased."""
    if audience.sees_persons:
        return conflict
    person = conflict.label == "Person"
    return conflict.model_copy(
        update={
            "key": disclose_key(audience, conflict.key),
            "name": PERSON_PLACEHOLDER if person else conflict.name,
            "id_masked": None,
            "region_code": None if person else conflict.region_code,
            "flags": [
                f.model_copy(
                    update={
                        "flag": f.flag.model_copy(
                            update={"path": disclose_path(audience, f.flag.path)}
                        ),
                        "record": _disclose_finding_record(audience, f.record),
                    }
                )
                for f in conflict.flags
            ],
        }
    )


def disclose_review(audience: Audience, result: ReviewResult) -> ReviewResult:
    """A credit review with persons aliased: a person reviewed shows as its alias with the
    placeholder name; each flag's origin and path as well, in its summary too."""
    if audience.sees_persons:
        return result
    alias = _Aliaser(audience)

    def reason(r: ReviewReason) -> ReviewReason:
        if r.record_subject is None:
            return r
        shown = alias.key(r.record_subject)
        return r.model_copy(
            update={
                "record_subject": shown,
                "summary": r.summary.replace(r.record_subject, shown),
                "path": disclose_path(audience, r.path),
            }
        )

    return result.model_copy(
        update={
            "subjects": [
                s.model_copy(
                    update={
                        "key": alias.key(s.key),
                        "name": disclose_name(audience, s.key, s.name),
                        "reasons": [reason(r) for r in s.reasons],
                    }
                )
                for s in result.subjects
            ]
        }
    )


def _disclose_finding_record(audience: Audience, record: FindingRecord) -> FindingRecord:
    if record.subject is None:
        return record
    return record.model_copy(update={"subject": disclose_key(audience, record.subject)})


def disclose_names(audience: Audience, names: Mapping[str, str]) -> dict[str, str]:
    """Display names by key as ``audience`` may see them: persons under their alias, with the
    placeholder name; to look up names of keys already disclosed."""
    if audience.sees_persons:
        return dict(names)
    return {disclose_key(audience, k): disclose_name(audience, k, n) or k for k, n in names.items()}
