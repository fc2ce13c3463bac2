"""How far a set of flags reaches: flagged subjects per directly sanctioned subject.

The *reach ratio* of a set of flags is the number of distinct flagged subjects over the
number of distinct subjects whose live records passed something on (the first step of each
flag's path starts at its record's own subject). It is counted over all flags, and per rule
and per kind, each group over its own sanctioned subjects: "a subject that R2 reaches out
from reaches this many through R2".

Every run counts the reach of the flags it derived and of the flags of the same records it
found stored, from the lists it already holds for its diff, so the count costs no query on a
graph of any size. What is compared is therefore always the same records before and after:

- a full run: every flag after it against every stored flag before it — the reach the last
  runs left, full and incremental, rather than the previous full run's. The incremental runs
  in between already reported the changes they made (a load's, a filing's); comparing with
  the previous full run would report them twice, and would have nothing to compare with
  after a graph built by loads, whose flags all come from incremental runs.
- an incremental run: its records' flags against their stored flags; its reach says nothing
  of the other records, so comparing it with a full run's would be meaningless.

A rules or data change that widens propagation shows as a ratio multiplied between the two;
how much is too much is a setting (``Settings.reach_warning_factor``) applied where a run is
reported, so the stored counts stay facts and the judgement stays configurable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, computed_field

from graph.propagation.engine import DerivedFlag

RATIO_DECIMALS = 3


class ReachCount(BaseModel):
    """Distinct sanctioned and flagged subjects of a group of flags."""

    sanctioned: int  # subjects whose live records passed at least one flag of the group on
    flagged: int  # subjects holding at least one flag of the group

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        """Flagged subjects per sanctioned subject (0 when nothing was passed on)."""
        return round(self.flagged / self.sanctioned, RATIO_DECIMALS) if self.sanctioned else 0.0


class Reach(BaseModel):
    """The reach of a set of flags, in all and by rule and kind."""

    total: ReachCount
    by_rule: dict[str, ReachCount]
    by_kind: dict[str, ReachCount]


def reach_of(flags: Iterable[DerivedFlag]) -> Reach:
    """The reach of ``flags``.

    Examples
    --------
    >>> from graph.propagation.engine import Hop
    >>> def flag(subject, source, rule, kind):
    ...     step = Hop(source, "LEGAL_REP_OF", "in", subject, rule)
    ...     return DerivedFlag(subject, f"rec-{source}", rule, kind, 1.0, 1, (step,), "", "v")
    >>> reach = reach_of([flag("alice", "A", "R1", "extended"), flag("bob", "A", "R1",
    ...     "extended"), flag("carol", "C", "R1", "extended")])
    >>> reach.total.sanctioned, reach.total.flagged, reach.total.ratio
    (2, 3, 1.5)
    """
    total = _Tally()
    by_rule: dict[str, _Tally] = defaultdict(_Tally)
    by_kind: dict[str, _Tally] = defaultdict(_Tally)
    # One pass: a full run holds millions of flags.
    for flag in flags:
        for tally in (total, by_rule[flag.rule], by_kind[flag.kind]):
            tally.add(flag)
    return Reach(
        total=total.count(),
        by_rule={rule: by_rule[rule].count() for rule in sorted(by_rule)},
        by_kind={kind: by_kind[kind].count() for kind in sorted(by_kind)},
    )


class _Tally:
    def __init__(self) -> None:
        self.sanctioned: set[str] = set()
        self.flagged: set[str] = set()

    def add(self, flag: DerivedFlag) -> None:
        # A flag written by hand may lack a path; it names no source, only whom it flags.
        if flag.path:
            self.sanctioned.add(flag.path[0].source)
        self.flagged.add(flag.subject)

    def count(self) -> ReachCount:
        return ReachCount(sanctioned=len(self.sanctioned), flagged=len(self.flagged))


def reach_warnings(before: Reach, after: Reach, factor: float) -> list[str]:
    """Where ``after`` reaches more than ``factor`` times as far as ``before``: in all, by
    rule and by kind. A group with no reach before has nothing to be multiplied (a new rule
    shows in the total); one that lost its reach never warns."""
    pairs = [
        ("all flags", before.total, after.total),
        *(
            (f"rule {rule}", before.by_rule.get(rule), count)
            for rule, count in after.by_rule.items()
        ),
        *(
            (f"kind {kind}", before.by_kind.get(kind), count)
            for kind, count in after.by_kind.items()
        ),
    ]
    return [
        f"reach of {group} multiplied by {now.ratio / then.ratio:.2f} (more than "
        f"{factor:g}): {then.ratio:g} → {now.ratio:g} flagged subjects per sanctioned subject "
        f"({then.flagged} → {now.flagged} flagged, {then.sanctioned} → {now.sanctioned} "
        "sanctioned)"
        for group, then, now in pairs
        if then is not None and then.ratio > 0 and now.ratio > factor * then.ratio
    ]
