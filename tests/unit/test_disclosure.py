"""The one disclosure rule, on hand-built answers: what each audience sees of a person."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from graph.access import Principal
from graph.disclosure import (
    ANALYST,
    PERSON_PLACEHOLDER,
    REGULATOR,
    Audience,
    check_profile,
    check_root,
    disclose_flag,
    disclose_network,
    disclose_ownership,
    disclose_profile,
    may_resolve,
    may_search_persons,
    person_alias,
    subject_not_found,
)
from graph.errors import NotFound, NotPermitted
from graph.model import (
    Flag,
    Network,
    NetworkEdge,
    NetworkNode,
    Organization,
    PathStep,
    SubjectProfile,
)
from graph.reads.ownership_graph import (
    ActualController,
    Ownership,
    OwnershipChain,
    OwnershipParty,
    UltimateOwner,
)

PID = hashlib.sha256(b"wang wu").hexdigest()
FIRM = "91320214745555318W"
HOLDCO = "91320200MA1XYZ0001"
JIANGSU = Audience("partner", "32")
ZHEJIANG = Audience("partner", "33")


def _principal(role: str) -> Principal:
    return Principal("0123456789abcdef", role, "test key")


def _flag() -> Flag:
    return Flag(
        record_id="R-1", record_subject=HOLDCO, rule="R1", kind="extended", score=1.0, hops=1,
        path=[PathStep(source=HOLDCO, rel="LEGAL_REP_OF", direction="in", target=PID, rule="R1")],
        basis="basis", rules_version="test", computed_at="2026-05-01T00:00:00Z",
    )  # fmt: skip


def _network() -> Network:
    return Network(
        root=PID, hops=1, as_of=date(2026, 5, 1),
        nodes=[
            NetworkNode(key=PID, label="Person", name="王五", region_code="3202", hops=0),
            NetworkNode(key=FIRM, label="Organization", name="无锡示例", region_code="3202",
                        hops=1),
        ],
        edges=[NetworkEdge(source=PID, target=FIRM, rel="LEGAL_REP_OF")],
        total_nodes=2, offset=0, limit=200, truncated=False,
    )  # fmt: skip


def _ownership() -> Ownership:
    person = OwnershipParty(key=PID, label="Person", name="王五", id_masked="3202**********123X")
    holdco = OwnershipParty(key=HOLDCO, label="Organization", name="控股")
    target = OwnershipParty(key=FIRM, label="Organization", name="无锡示例")
    chain = OwnershipChain(nodes=[person, holdco, target], ratios=[0.6, 0.6], ratio=0.36)
    return Ownership(
        target=target, as_of=date(2026, 5, 1), threshold=0.25,
        beneficial_owners=[UltimateOwner(holder=person, ratio=0.36, chains=[chain])],
        other_owners=[],
        actual_controller=ActualController(holder=person, voting_ratio=0.6, controlled=[holdco],
                                           chains=[chain]),
        parties=2, holdings=2, truncated=False, truncated_by=[],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("role", "audience"),
    [
        ("regulator", REGULATOR),
        ("admin", REGULATOR),
        ("analyst", ANALYST),
        ("partner:33", ZHEJIANG),
    ],
)
def test_the_audience_follows_the_role(role: str, audience: Audience) -> None:
    assert Audience.of(_principal(role)) == audience


def test_an_unknown_role_sees_nothing() -> None:
    with pytest.raises(NotPermitted):
        Audience.of(_principal("auditor"))


def test_only_regulators_search_persons_and_open_their_profiles() -> None:
    assert may_search_persons(REGULATOR)
    assert not may_search_persons(ANALYST) and not may_search_persons(JIANGSU)
    check_profile(REGULATOR, PID)
    check_profile(ANALYST, FIRM)  # an organisation's profile is open to all
    with pytest.raises(NotPermitted, match="analysts receive no personal fields"):
        check_profile(ANALYST, PID)
    with pytest.raises(NotPermitted):
        check_profile(JIANGSU, PID)


def test_regulators_see_persons_as_stored() -> None:
    assert disclose_network(REGULATOR, _network()) == _network()
    assert disclose_flag(REGULATOR, _flag()) == _flag()
    assert disclose_ownership(REGULATOR, _ownership()) == _ownership()


@pytest.mark.parametrize("audience", [ANALYST, JIANGSU])
def test_others_see_persons_as_aliases_without_personal_fields(audience: Audience) -> None:
    alias = person_alias(PID, audience)
    net = disclose_network(audience, _network())
    person, firm = net.nodes
    assert net.root == alias and person.key == alias
    assert (person.name, person.region_code) == (PERSON_PLACEHOLDER, None)
    assert firm == _network().nodes[1]  # organisations as they are
    assert net.edges == [NetworkEdge(source=alias, target=FIRM, rel="LEGAL_REP_OF")]

    flag = disclose_flag(audience, _flag())
    assert flag.record_subject == HOLDCO and flag.path[0].target == alias

    report = disclose_ownership(audience, _ownership())
    owner = report.beneficial_owners[0].holder
    assert (owner.key, owner.name, owner.id_masked) == (alias, PERSON_PLACEHOLDER, None)
    assert report.actual_controller is not None
    assert report.actual_controller.holder == owner  # the same alias throughout
    assert [p.key for p in report.actual_controller.controlled] == [HOLDCO]
    assert [p.key for p in report.beneficial_owners[0].chains[0].nodes] == [alias, HOLDCO, FIRM]


def test_an_organisation_profile_shows_others_its_flags_with_persons_aliased() -> None:
    profile = SubjectProfile(
        label="Organization", organization=Organization(uscc=HOLDCO, name="控股"),
        records=[], flags=[_flag()], relations=[],
    )  # fmt: skip
    assert disclose_profile(REGULATOR, profile) == profile
    seen = disclose_profile(ANALYST, profile)
    assert seen.flags[0].path[0].target == person_alias(PID)
    assert seen.organization == profile.organization


def test_aliases_are_stable_within_an_audience_and_differ_between_audiences() -> None:
    assert person_alias(PID, ANALYST) == person_alias(PID, ANALYST)
    aliases = {person_alias(PID, a) for a in (ANALYST, JIANGSU, ZHEJIANG)}
    assert len(aliases) == 3
    # The analysts' alias is the one they always had (a digest salted "analyst|").
    expected = "person~" + hashlib.sha256(("analyst|" + PID).encode()).hexdigest()[:16]
    assert person_alias(PID) == expected


@pytest.mark.parametrize("audience", [ANALYST, JIANGSU])
def test_a_person_key_resolves_only_for_those_who_see_persons(audience: Audience) -> None:
    assert may_resolve(REGULATOR, PID) and may_resolve(REGULATOR, "s:" + PID)
    assert not may_resolve(audience, PID) and not may_resolve(audience, "s:" + PID)
    assert may_resolve(audience, FIRM)
    check_root(audience, FIRM)
    with pytest.raises(NotFound) as refused:
        check_root(audience, PID)
    # The refusal is the unknown key's answer, word for word.
    unknown = subject_not_found(PID)
    assert (str(refused.value), refused.value.field) == (str(unknown), unknown.field)


def test_a_person_reaches_an_analyst_as_an_alias_with_nothing_personal() -> None:
    from graph.disclosure import (
        ANALYST,
        PERSON_PLACEHOLDER,
        REGULATOR,
        disclose_person,
        person_alias,
    )
    from graph.model import Person

    pid = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    person = Person(pid=pid, name="张三", id_masked="3201**********1234", region_code="320102")
    assert disclose_person(REGULATOR, person) == person
    assert disclose_person(ANALYST, person) == Person(
        pid=person_alias(pid), name=PERSON_PLACEHOLDER
    )
