"""Propagation rules as versioned data: loading and validation.

The rules live in a YAML file (``default.yaml`` beside this module is the shipped default).
Loading validates every field; a malformed file is refused with an error that names the rule
and the field, e.g. ``rule R2: steps[1].min_ratio must be within [0, 1]``, because a silently
ignored typo (``min_ration``, ``role: chariman``) would quietly widen or narrow who gets flagged.

What the fields mean for the engine is documented in ``default.yaml`` and
:mod:`graph.propagation.engine`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from graph.store.schema import Rel
from graph.vocabulary import (
    OFFICER_ROLES,
    SUBJECT_LABELS,
    SUBJECT_RELATIONS,
    Direction,
    Level,
    ListName,
    RuleKind,
)

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "default.yaml"

# Relationship types between subjects that a rule may follow.
SUBJECT_RELS = frozenset(SUBJECT_RELATIONS)
# The state of a subject on a record's propagation: the record's own subject, or the kind of
# flag the subject already carries on that record.
ChainState = Literal["own", "extended", "associated"]


_Collection = TypeVar("_Collection", tuple[Any, ...], frozenset[Any])


class RulesFileError(ValueError):
    """A rules file that cannot be used; the message names the file, rule and field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _not_empty(value: _Collection) -> _Collection:
    # A validator, not `min_length`: pydantic would also report "0 items" whenever an item
    # is invalid, burying the real error.
    if not value:
        raise ValueError("must not be empty")
    return value


def _one_of(value: str, allowed: frozenset[str]) -> str:
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
    return value


class StartCondition(_Model):
    """Records matching every given field (each a set of allowed values) start the rule."""

    lists: frozenset[ListName] | None = Field(default=None, alias="list")
    levels: frozenset[Level] | None = Field(default=None, alias="level")
    categories: frozenset[str] | None = Field(default=None, alias="category")

    _non_empty = field_validator("lists", "levels", "categories")(_not_empty)

    @model_validator(mode="after")
    def _not_empty(self) -> StartCondition:
        if self.lists is None and self.levels is None and self.categories is None:
            raise ValueError("must name at least one of list, level, category")
        return self

    def matches(self, list_name: str, level: str | None, category: str | None) -> bool:
        return (
            (self.lists is None or list_name in self.lists)
            and (self.levels is None or level in self.levels)
            and (self.categories is None or category in self.categories)
        )


class Step(_Model):
    """One alternative relationship a rule follows from its source subject."""

    rel: str
    direction: Direction
    roles: frozenset[str] | None = None
    min_ratio: float | None = None
    target_label: str | None = None

    @field_validator("rel")
    @classmethod
    def _known_rel(cls, value: str) -> str:
        return _one_of(value, SUBJECT_RELS)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: frozenset[str] | None) -> frozenset[str] | None:
        if value is None:
            return None
        unknown = sorted(_not_empty(value) - OFFICER_ROLES)
        if unknown:
            raise ValueError(f"contains unknown role {', '.join(unknown)}")
        return value

    @field_validator("min_ratio")
    @classmethod
    def _ratio_range(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 1:
            raise ValueError("must be within [0, 1]")
        return value

    @field_validator("target_label")
    @classmethod
    def _subject_label(cls, value: str | None) -> str | None:
        return None if value is None else _one_of(value, SUBJECT_LABELS)

    @model_validator(mode="after")
    def _conditions_fit_rel(self) -> Step:
        # A role on a shareholding or a ratio on an officer post can never match: refuse it
        # rather than let the step silently match nothing.
        if self.roles is not None and self.rel != Rel.OFFICER_OF:
            raise ValueError(f"roles apply to {Rel.OFFICER_OF} only")
        if self.min_ratio is not None and self.rel != Rel.SHAREHOLDER_OF:
            raise ValueError(f"min_ratio applies to {Rel.SHAREHOLDER_OF} only")
        return self


class Rule(_Model):
    id: str = Field(pattern=r"^R[0-9]+$")
    name: str = Field(min_length=1)
    kind: RuleKind
    factor: float
    basis: str = Field(min_length=1)
    from_states: frozenset[ChainState] = Field(alias="from")
    source_label: str
    starts: tuple[StartCondition, ...] = ()
    steps: tuple[Step, ...]

    _non_empty = field_validator("from_states", "steps")(_not_empty)

    @field_validator("factor")
    @classmethod
    def _factor_range(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError("must be within (0, 1]")
        return value

    @field_validator("source_label")
    @classmethod
    def _subject_label(cls, value: str) -> str:
        return _one_of(value, SUBJECT_LABELS)

    @model_validator(mode="after")
    def _starts_iff_own(self) -> Rule:
        # `starts` filters records at their own subject only; elsewhere it would be dead data.
        if "own" in self.from_states and not self.starts:
            raise ValueError("starts is required when from includes own")
        if "own" not in self.from_states and self.starts:
            raise ValueError("starts is only used when from includes own")
        return self

    def started_by(self, list_name: str, level: str | None, category: str | None) -> bool:
        return any(c.matches(list_name, level, category) for c in self.starts)


class RuleSet(_Model):
    version: str = Field(min_length=1)
    max_hops: int = Field(ge=1)
    min_score: float
    degree_cap: int = Field(ge=1)
    pending_on_objection: bool
    rules: tuple[Rule, ...]

    _non_empty = field_validator("rules")(_not_empty)

    @field_validator("min_score")
    @classmethod
    def _score_range(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("must be within [0, 1]")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id}")
            seen.add(rule.id)
        return self

    @property
    def rels(self) -> frozenset[str]:
        """Every relationship type some rule follows: what a graph provider must return."""
        return frozenset(step.rel for rule in self.rules for step in rule.steps)

    @property
    def continuing_states(self) -> frozenset[str]:
        """States some rule applies from: a subject in any other state is a dead end."""
        return frozenset(state for rule in self.rules for state in rule.from_states)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate a rules file; the shipped ``default.yaml`` when ``path`` is None."""
    source = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesFileError(f"{source}: cannot read rules: {exc}") from exc
    return parse_rules(raw, source=str(source))


def parse_rules(raw: object, source: str = "<rules>") -> RuleSet:
    """Validate already-parsed rules data (a mapping as read from YAML)."""
    if not isinstance(raw, Mapping):
        raise RulesFileError(f"{source}: rules must be a mapping, not {type(raw).__name__}")
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error, raw) for error in exc.errors()]
        raise RulesFileError(f"{source}: " + "; ".join(problems)) from exc


def _describe(error: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    """``rule R2: steps[1].min_ratio must be within [0, 1]`` from one pydantic error."""
    loc: Sequence[str | int] = error["loc"]
    where = ""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        where = f"rule {_rule_id(raw, loc[1])}"
        loc = loc[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    field = field.lstrip(".")
    text = f"{field} {_message(error)}" if field else _message(error)
    return f"{where}: {text}" if where else text


def _rule_id(raw: Mapping[str, Any], index: int) -> str:
    rules = raw.get("rules")
    if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], Mapping):
        rule_id = rules[index].get("id")
        if isinstance(rule_id, str) and rule_id:
            return rule_id
    return f"rules[{index}]"


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
