"""Seeded draws: weighted choices and bijective numbering, cheap enough for millions."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice by bisection over cumulative weights (cheaper than rng.choices)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: Random) -> T:
        index = bisect.bisect(self._cum, rng.random() * self._total)
        return self._items[min(index, len(self._items) - 1)]


def parse_weights(spec: str) -> list[tuple[str, float]]:
    words = spec.split()
    return [(words[i], float(words[i + 1])) for i in range(0, len(words), 2)]


def two_figures(value: float) -> int:
    """Round to two significant figures, as registered capital usually is (120, 3500, 18000)."""
    if value < 10:
        return max(1, round(value))
    scale: int = 10 ** (int(math.log10(value)) - 1)
    return round(value / scale) * scale


class Scramble:
    """A seeded bijection of ``range(modulus)``: n → (a·n + b) mod m with a coprime to m.

    Numbering organisations and persons through it gives identifiers that look random yet
    are unique by construction, so no set of issued codes has to be kept.
    """

    __slots__ = ("_add", "_modulus", "_multiplier")

    def __init__(self, rng: Random, modulus: int) -> None:
        multiplier = rng.randrange(modulus // 3, modulus - 1)
        while math.gcd(multiplier, modulus) != 1:
            multiplier += 1
        self._multiplier, self._add, self._modulus = multiplier, rng.randrange(modulus), modulus

    def __call__(self, n: int) -> int:
        if n >= self._modulus:
            raise ValueError(f"more than {self._modulus} synthetic identifiers of one kind")
        return (n * self._multiplier + self._add) % self._modulus
