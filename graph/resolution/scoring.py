"""How alike two subjects are: a pure score from their names and the facts beside them.

The score is the similarity of the matching forms of the two names (rapidfuzz, in [0, 1])
moved by evidence: facts that agree raise it, facts that contradict lower it far enough that
no name alone carries the pair over a sensible threshold. Every step is named in ``reasons``,
so a person deciding sees why a pair was proposed. bench/resolution.py measures it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from graph.resolution.normalise import is_latin, latin_key, org_name, person_name

SubjectKind = Literal["person", "organization"]

# A name alone, however exact, stays below what a name and an agreeing fact reach: namesakes
# are common (bench/resolution.py: with name and gender only, 4 in 10 pairs on A-share
# boards are two people), so the threshold can ask for evidence beyond the name.
NAME_WEIGHT = 0.8
# A transliterated spelling is weaker evidence than the same characters: homophones abound.
CROSS_SCRIPT = 0.9
CONTRADICTION = 0.5  # a gender, a birth year or a jurisdiction that differs
BIRTH_AGREES = 0.15
# A year derived from an age, or from a date against a stated year, may be off by one.
BIRTH_NEAR = 0.05
GENDER_AGREES = 0.05
PER_SHARED_NEIGHBOUR = 0.1
MAX_SHARED = 2  # two shared organisations say as much as a birth year
SAME_REGION = 0.05


@dataclass(frozen=True)
class Facts:
    """What resolution compares about one subject. ``neighbours``: the keys of the subjects
    it is linked to as officer, legal representative or shareholder (either way)."""

    key: str
    kind: SubjectKind
    name: str
    gender: str | None = None  # "m" | "f"
    birth_year: int | None = None
    region: str | None = None
    jurisdiction: str | None = None
    neighbours: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Score:
    value: float
    name: float
    reasons: tuple[str, ...]


def matching_name(kind: SubjectKind, name: str) -> str:
    return person_name(name) if kind == "person" else org_name(name)


def name_similarity(kind: SubjectKind, a: str, b: str) -> tuple[float, bool]:
    """The similarity of two names in [0, 1], and whether it was read across scripts."""
    ma, mb = matching_name(kind, a), matching_name(kind, b)
    if ma == mb:
        return 1.0, False
    if is_latin(ma) != is_latin(mb):
        person = kind == "person"
        la, lb = latin_key(ma, person), latin_key(mb, person)
        return CROSS_SCRIPT * fuzz.ratio(la, lb) / 100, True
    if is_latin(ma):
        return fuzz.token_sort_ratio(ma, mb) / 100, False
    return fuzz.ratio(ma, mb) / 100, False


def score(a: Facts, b: Facts) -> Score:
    """The score of the pair (a, b), clipped to [0, 1], with its reasons: a name alone
    scores :data:`NAME_WEIGHT` times its similarity, facts move it.

    >>> a = Facts("s:1", "person", "張偉", "m", 1970)
    >>> s = score(a, Facts("s:2", "person", "张伟", "m", 1970))
    >>> round(s.value, 2), s.reasons
    (1.0, ('name 1.00', 'gender agrees', 'birth year agrees'))
    >>> round(score(a, Facts("s:2", "person", "张伟", "f")).value, 2)
    0.3
    """
    similarity, across = name_similarity(a.kind, a.name, b.name)
    value = NAME_WEIGHT * similarity
    reasons = [f"name {similarity:.2f}" + (" (pinyin)" if across else "")]
    if a.gender and b.gender:
        if a.gender == b.gender:
            value += GENDER_AGREES
            reasons.append("gender agrees")
        else:
            value -= CONTRADICTION
            reasons.append("gender differs")
    if a.birth_year and b.birth_year:
        if a.birth_year == b.birth_year:
            value += BIRTH_AGREES
            reasons.append("birth year agrees")
        elif abs(a.birth_year - b.birth_year) == 1:
            value += BIRTH_NEAR
            reasons.append("birth year one apart")
        else:
            value -= CONTRADICTION
            reasons.append("birth year differs")
    if a.jurisdiction and b.jurisdiction and a.jurisdiction != b.jurisdiction:
        value -= CONTRADICTION
        reasons.append("jurisdiction differs")
    shared = len(a.neighbours & b.neighbours)
    if shared:
        value += PER_SHARED_NEIGHBOUR * min(shared, MAX_SHARED)
        reasons.append(f"{shared} shared organisation(s)")
    if a.region and a.region == b.region:
        value += SAME_REGION
        reasons.append("same region")
    return Score(min(max(value, 0.0), 1.0), similarity, tuple(reasons))
