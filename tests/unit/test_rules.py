"""The shipped rules say what design.md says, and a malformed rules file is refused with
the rule and field that are wrong."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.propagation.rules import (
    DEFAULT_RULES_PATH,
    RulesFileError,
    load_rules,
    parse_rules,
)
from graph.vocabulary import OFFICER_ROLES

RAW = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def test_default_rules_load_with_design_defaults() -> None:
    rules = load_rules()
    assert rules.version == RAW["version"]
    assert (rules.max_hops, rules.min_score, rules.degree_cap) == (3, 0.2, 200)
    assert rules.pending_on_objection is True
    summary = {r.id: (r.kind, r.factor, r.source_label) for r in rules.rules}
    assert summary == {
        "R1": ("extended", 1.0, "Organization"),
        "R2": ("associated", 0.6, "Person"),
        "R3": ("associated", 0.5, "Organization"),
        "R4": ("extended", 1.0, "Organization"),
    }
    assert rules.rels == {"LEGAL_REP_OF", "OFFICER_OF", "SHAREHOLDER_OF", "BRANCH_OF"}


def test_associated_flags_are_terminal_by_default() -> None:
    rules = load_rules()
    assert all("associated" not in r.from_states for r in rules.rules)
    assert rules.continuing_states == {"own", "extended"}
    r2 = next(r for r in rules.rules if r.id == "R2")
    assert r2.from_states == {"own", "extended"}


def test_r1_steps_are_legal_rep_principal_officers_and_person_controller() -> None:
    r1 = load_rules().rules[0]
    steps = {(s.rel, s.direction): s for s in r1.steps}
    assert steps["OFFICER_OF", "in"].roles == frozenset(
        {"chairman", "general_manager", "principal"}
    )
    controller = steps["SHAREHOLDER_OF", "in"]
    assert (controller.min_ratio, controller.target_label) == (0.5, "Person")
    assert r1.started_by("black", "general", "tax") and r1.started_by("focus", "severe", "tax")
    assert not r1.started_by("red", None, "honour")


def test_every_rule_states_its_legal_basis() -> None:
    bases = {r.id: r.basis for r in load_rules().rules}
    assert "第三条" in bases["R1"] and "第三十三条" in bases["R1"] and "第二十七条" in bases["R1"]
    assert "第一百七十八条" in bases["R2"]
    assert "不具有法人资格" in bases["R4"]


def test_officer_roles_vocabulary_covers_every_role_used() -> None:
    used = {role for r in load_rules().rules for s in r.steps for role in s.roles or ()}
    assert used <= OFFICER_ROLES


def rule_of(raw: dict[str, Any], rule_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in raw["rules"] if r["id"] == rule_id)
    return found


def edit(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw: dict[str, Any] = copy.deepcopy(RAW)
    change(raw)
    return raw


def set_step(rule_id: str, index: int, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda raw: rule_of(raw, rule_id)["steps"][index].__setitem__(field, value)


def set_rule(rule_id: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda raw: rule_of(raw, rule_id).__setitem__(field, value)


def drop(rule_id: str, field: str) -> Callable[[dict[str, Any]], None]:
    return lambda raw: rule_of(raw, rule_id).pop(field)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_step("R2", 2, "min_ratio", 1.5), "rule R2: steps[2].min_ratio must be within [0, 1]"),
        (set_step("R2", 2, "min_ration", 0.3), "rule R2: steps[2].min_ration is not a known field"),
        (set_step("R1", 1, "roles", ["chariman"]), "rule R1: steps[1].roles contains unknown role"),
        (set_step("R1", 0, "roles", ["director"]), "rule R1: steps[0] roles apply to OFFICER_OF"),
        (set_step("R1", 0, "min_ratio", 0.5), "rule R1: steps[0] min_ratio applies to"),
        (set_step("R4", 0, "rel", "KNOWS"), "rule R4: steps[0].rel must be one of BRANCH_OF"),
        (set_step("R4", 0, "direction", "both"), "rule R4: steps[0].direction input should be"),
        (set_step("R1", 2, "target_label", "Record"), "rule R1: steps[2].target_label must be"),
        (set_rule("R1", "factor", 0), "rule R1: factor must be within (0, 1]"),
        (set_rule("R1", "factor", 1.2), "rule R1: factor must be within (0, 1]"),
        (set_rule("R3", "kind", "linked"), "rule R3: kind input should be"),
        (set_rule("R3", "from", ["own", "linked"]), "rule R3: from[1] input should be"),
        (set_rule("R2", "steps", []), "rule R2: steps must not be empty"),
        (set_rule("R2", "starts", []), "rule R2: starts is required when from includes own"),
        (set_rule("R2", "from", ["extended"]), "rule R2: starts is only used when from"),
        (set_rule("R1", "starts", [{}]), "rule R1: starts[0] must name at least one of"),
        (set_rule("R1", "starts", [{"level": ["grave"]}]), "rule R1: starts[0].level[0] input"),
        (set_rule("R2", "id", "R1"), "duplicate rule id R1"),
        (set_rule("R2", "id", "rule-2"), "rule rule-2: id string should match pattern"),
        (drop("R2", "basis"), "rule R2: basis is required"),
        (lambda raw: raw.__setitem__("min_score", 2), "min_score must be within [0, 1]"),
        (lambda raw: raw.__setitem__("max_hops", 0), "max_hops input should be greater than"),
        (lambda raw: raw.pop("version"), "version is required"),
        (lambda raw: raw.__setitem__("rules", []), "rules must not be empty"),
    ],
)
def test_malformed_rules_are_refused_naming_rule_and_field(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(RulesFileError) as refused:
        parse_rules(edit(change), source="test.yaml")
    assert str(refused.value).startswith("test.yaml: ")
    assert message in str(refused.value)


def test_every_problem_is_reported_not_just_the_first() -> None:
    def two_problems(raw: dict[str, Any]) -> None:
        set_rule("R1", "factor", 0)(raw)
        set_step("R3", 0, "min_ratio", -0.1)(raw)

    with pytest.raises(RulesFileError) as refused:
        parse_rules(edit(two_problems))
    assert "rule R1: factor" in str(refused.value)
    assert "rule R3: steps[0].min_ratio" in str(refused.value)


def test_load_rules_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(edit(set_rule("R3", "factor", 0.4))), encoding="utf-8")
    assert load_rules(path).rules[2].factor == 0.4


@pytest.mark.parametrize(
    ("content", "message"),
    [("rules: [unclosed", "cannot read rules"), ("- a\n- b\n", "must be a mapping, not list")],
)
def test_unreadable_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesFileError, match=message):
        load_rules(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot read rules"):
        load_rules(tmp_path / "absent.yaml")
