"""The pair score and which pairs a decision may join (graph/resolution)."""

from __future__ import annotations

from graph.resolution.candidates import key_rank, mergeable, ordered
from graph.resolution.scoring import Facts, score

PID = "a" * 64
SURROGATE = "s:" + "b" * 64
USCC = "91320214745555318W"


def test_facts_that_agree_raise_and_facts_that_differ_sink_a_name() -> None:
    name_only = score(Facts("1", "person", "张伟"), Facts("2", "person", "張偉")).value
    agreeing = score(
        Facts("1", "person", "张伟", "m", 1970, neighbours=frozenset({"o"})),
        Facts("2", "person", "张伟", "m", 1970, neighbours=frozenset({"o"})),
    )
    differing = score(
        Facts("1", "person", "张伟", "m", 1970), Facts("2", "person", "张伟", "m", 1980)
    )
    assert name_only == 0.8
    assert agreeing.value == 1.0 and "1 shared organisation(s)" in agreeing.reasons
    assert differing.value < 0.5 and "birth year differs" in differing.reasons


def test_a_latin_script_name_is_compared_through_pinyin() -> None:
    found = score(Facts("1", "person", "Zhang Wei"), Facts("2", "person", "张伟"))
    assert found.reasons[0] == "name 0.90 (pinyin)"


def test_organisations_compare_without_legal_forms_and_jurisdictions_must_agree() -> None:
    a = Facts("name:CN:x", "organization", "南京示例科技有限公司", jurisdiction="CN")
    b = Facts("foreign:HK:1", "organization", "南京示例科技股份有限公司", jurisdiction="HK")
    assert score(a, b).name == 1.0
    assert "jurisdiction differs" in score(a, b).reasons


def test_two_identifiers_are_two_parties_and_the_stronger_is_kept() -> None:
    assert not mergeable("person", PID, "c" * 64)
    assert mergeable("person", PID, SURROGATE)
    assert ordered("person", SURROGATE, PID) == (PID, SURROGATE)
    assert not mergeable("organization", USCC, "91320214745555318X")
    assert ordered("organization", "name:CN:x", "listed:600000.SH") == (
        "listed:600000.SH",
        "name:CN:x",
    )
    assert key_rank("organization", USCC) < key_rank("organization", "orgcode:745555318")


def test_a_row_naming_a_merged_key_is_redirected_with_its_origin() -> None:
    from graph.ingest.validate import Ref, Target, Valid
    from graph.resolution.honour import _redirect

    row = Valid(
        {"holder": SURROGATE, "uscc": USCC, "ratio": 0.3},
        (
            Ref("holder_person_key", Target.PERSON, SURROGATE),
            Ref("uscc", Target.ORGANIZATION, USCC),
        ),
    )
    moved = _redirect(row, {SURROGATE: PID})
    assert moved.params == {"holder": PID, "uscc": USCC, "ratio": 0.3, "merged_from": SURROGATE}
    assert [ref.key for ref in moved.refs] == [PID, USCC]
    node = Valid({"uscc": "listed:600000", "props": {"name": "x", "key_kind": "listed"}})
    assert _redirect(node, {"listed:600000": USCC}).params["props"] == {"name": "x"}
