"""The generation state every builder shares, and draws of places and dates."""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from datetime import date
from random import Random
from typing import Final

from graph.reference import regions
from loaders.synthetic.departments import (
    COURT,
    PARTNER_SUFFIXES,
    departments_of,
    weighted_departments,
)
from loaders.synthetic.geography import (
    ECONOMY,
    GENERIC_COUNTIES,
    JIANGSU_COUNTIES,
    PARTNER_WEIGHT,
    Province,
    province_of,
)
from loaders.synthetic.rows import CodeTable, Sink
from loaders.synthetic.sampling import Scramble, T, Weighted, two_figures

YEAR: Final = 365
_BIRTH_SPAN: Final = (70 - 22) * YEAR  # adults aged 22–70 on the as-of date
# Stock-code prefixes of the Shanghai (60x, 688) and Shenzhen (00x, 30x) boards.
BOARDS: Final = ("600", "601", "603", "605", "688", "000", "001", "002", "300", "301")


class State:
    """Generation state every builder shares, and the random stream they draw from.

    State is kept in compact arrays indexed by organisation and person number, so a
    million organisations cost tens of megabytes, not gigabytes of row dicts.
    """

    def __init__(
        self, sink: Sink, rng: Random, province: str, as_of: date, partner_share: float
    ) -> None:
        self.sink = sink
        self.rng = rng
        self.as_of = as_of.toordinal()
        self.partner_share = partner_share
        self.provinces = {code: province_of(code) for code in ECONOMY}
        self.home = self.provinces[province]
        partners = [p for code, p in self.provinces.items() if code != province]
        self.partners = Weighted([(p, PARTNER_WEIGHT[p.code]) for p in partners])
        self.home_departments = departments_of(self.home, None)
        self.partner_departments = {p.code: departments_of(p, PARTNER_SUFFIXES) for p in partners}
        self.by_code = {d.code: d for d in self.home_departments}
        self.home_weights = weighted_departments(self.home_departments)
        self.partner_weights = {
            code: weighted_departments(ds) for code, ds in self.partner_departments.items()
        }
        self.courts = {
            d.province.code: d
            for ds in (self.home_departments, *self.partner_departments.values())
            for d in ds
            if d.spec.suffix == COURT
        }
        self.honour_issuers = [d for d in self.home_departments if d.spec.honours]
        self.record_seq: dict[tuple[str, int], int] = {}
        self.place_cache: dict[str, tuple[str, str]] = {}
        # Organisations: USCC, date established (ordinal), main corporate parent (-1: none).
        self.usccs = CodeTable()
        self.established = array("i")
        self.parent = array("i")
        # Persons: ID number, or "K" for one known by person_key (the ~5% in `person_keys`,
        # which do not fit the table's 18 ASCII bytes), date of birth (ordinal).
        self.persons = CodeTable()
        self.person_keys: dict[int, str] = {}
        self.birth = array("i")
        self.hubs: dict[str, int] = {}  # XX0000 (provincial), prefecture or SH district → hub
        # Preferential attachment: an enterprise appears here by its size, and more for
        # every subsidiary it acquires, so big groups keep growing.
        self.pool = array("i")
        self.reserved: dict[int, int] = {}  # org → points kept open for a cross-holder
        # Serial legal reps and how many more firms each may represent.
        self.serial: list[int] = []
        self.serial_left: list[int] = []
        # Person n is born on a day and given a sequence number by a bijection of n;
        # organisation n gets its USCC body the same way, in the "MA…" or the digit series.
        self.id_scramble = Scramble(rng, _BIRTH_SPAN * 1000)
        self.ma_scramble = Scramble(rng, 31**6)
        self.digit_scramble = Scramble(rng, 10**8)
        self.stock_scramble = Scramble(rng, len(BOARDS) * 1000)
        self.listed = 0  # stock codes issued

    # ------------------------------------------------------------------ places and dates

    def county(self, province: Province | None = None) -> str:
        """A county-level code of the province (home by default), by economic weight."""
        return self.county_in((province or self.home).areas.pick(self.rng))

    def county_in(self, area: str) -> str:
        """A county-level code of a prefecture; a Shanghai district is one already."""
        if len(area) == 6:
            return area
        return area + self.pick(JIANGSU_COUNTIES.get(area, GENERIC_COUNTIES))

    def place(self, county: str) -> tuple[str, str]:
        """(short, full) place prefix of names: (苏州, 苏州市), (上海, 上海市浦东新区)."""
        cached = self.place_cache.get(county)
        if cached is None:
            known = regions()
            if county[:2] == "31":
                district = known[county].name if county in known else ""
                cached = ("上海", "上海市" + district)
            else:
                city = known[county[:4]].name if county[:4] in known else known[county[:2]].name
                cached = (city.removesuffix("市").removesuffix("省"), city)
            self.place_cache[county] = cached
        return cached

    def since_age(self, mean_years: float, oldest: date) -> int:
        """A date of establishment: exponentially distributed age, most firms are young."""
        age = int(self.rng.expovariate(1 / (mean_years * YEAR)))
        return min(max(self.as_of - 1 - age, oldest.toordinal()), self.as_of - 1)

    def between(self, first: date, last: date) -> int:
        latest = min(last.toordinal(), self.as_of - 1)
        return self.rng.randint(min(first.toordinal(), latest), latest)

    def org_status(self, established: int) -> str:
        years = (self.as_of - established) / YEAR
        r = self.rng.random()
        if r < 0.01 + 0.002 * years:
            return "revoked"
        if r < 0.03 + 0.006 * years:
            return "cancelled"
        return "active"

    def capital(self, median: float, sigma: float) -> int:
        return two_figures(self.rng.lognormvariate(math.log(median), sigma))

    def pick(self, options: Sequence[T]) -> T:
        # Scaling random() is uniform enough here and 3x cheaper than randrange.
        return options[int(self.rng.random() * len(options))]
