"""Where organisations and persons are: provinces, prefectures and counties by economic weight."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from graph.reference import regions
from loaders.synthetic.sampling import Weighted, parse_weights

# GDP 2023 (100 million CNY) as the weight of each prefecture, or Shanghai district.
ECONOMY: Final[dict[str, str]] = {
    "31": "310101 3000 310104 2800 310105 1800 310106 2900 310107 1300 310109 1200 "
    "310110 2400 310112 3100 310113 1900 310114 2700 310115 16700 310116 1100 310117 2000 "
    "310118 1700 310120 1500 310151 450",
    "32": "3201 17421 3202 15456 3203 8900 3204 10116 3205 24653 3206 11813 3207 4364 "
    "3208 5015 3209 7404 3210 7423 3211 5264 3212 6731 3213 4398",
    "33": "3301 20059 3302 16452 3303 8730 3304 7062 3305 4015 3306 7791 3307 6011 3308 2125 "
    "3309 2100 3310 6240 3311 1964",
    "34": "3401 12673 3402 4741 3403 2150 3404 1600 3405 2550 3406 1300 3407 1200 3408 2900 "
    "3410 1000 3411 3600 3412 3400 3413 2400 3415 2100 3416 2200 3417 1100 3418 1900",
}
# Real county-level codes of Jiangsu; other provinces get plausible suffixes.
JIANGSU_COUNTIES: Final[dict[str, tuple[str, ...]]] = {
    prefecture: tuple(suffixes.split())
    for prefecture, suffixes in {
        "3201": "02 04 05 06 11 13 14 15 16 17 18",
        "3202": "05 06 11 13 14 81 82",
        "3203": "02 03 05 11 12 21 22 24 81 82",
        "3204": "02 04 11 12 13 81",
        "3205": "05 06 07 08 09 81 82 83 85",
        "3206": "12 13 14 23 81 82 85",
        "3207": "03 06 07 22 23 24",
        "3208": "03 04 12 13 26 30 31",
        "3209": "02 03 04 21 22 23 24 25 81",
        "3210": "02 03 12 23 81 84",
        "3211": "02 11 12 81 82 83",
        "3212": "02 03 04 81 82 83",
        "3213": "02 11 22 23 24",
    }.items()
}
GENERIC_COUNTIES: Final = ("02", "03", "04", "05", "06", "21", "22", "81", "82")
# Department-code prefix, one-character abbreviation (document numbers), customs district.
_PROVINCE_LABELS: Final[dict[str, tuple[str, str, str]]] = {
    "31": ("SH", "沪", "上海海关"),
    "32": ("JS", "苏", "南京海关"),
    "33": ("ZJ", "浙", "杭州海关"),
    "34": ("AH", "皖", "合肥海关"),
}
PARTNER_WEIGHT: Final[dict[str, float]] = {"31": 45, "32": 45, "33": 35, "34": 20}
# Birthplaces of residents from outside the Delta (ID address codes); 83 = Taiwan residents,
# common as legal representatives in Kunshan.
MIGRANT_ORIGINS: Final = Weighted(parse_weights("41 3 37 2 51 1 42 1 43 1 36 1 13 1 23 0.5 83 0.2"))


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # 江苏省, 上海市
    abbr: str
    short: str
    customs: str
    areas: Weighted[str]  # prefectures, or Shanghai's districts

    @property
    def municipality(self) -> bool:
        return self.code == "31"


def province_of(code: str) -> Province:
    if code not in ECONOMY:
        raise ValueError(f"province must be one of {sorted(ECONOMY)}, got {code!r}")
    abbr, short, customs = _PROVINCE_LABELS[code]
    return Province(
        code, regions()[code].name, abbr, short, customs, Weighted(parse_weights(ECONOMY[code]))
    )
