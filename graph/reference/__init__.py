"""Reference data shipped with the code: GB/T 2260 regions of the Delta and the 23 occupations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | prefecture | district
    parent: str | None


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str


@cache
def regions() -> dict[str, Region]:
    """Every known region by code: 4 provinces, their prefectures, Shanghai's districts."""
    raw = yaml.safe_load((HERE / "regions.yaml").read_text(encoding="utf-8"))
    out = {p["code"]: Region(p["code"], p["name"], "province", None) for p in raw["provinces"]}
    for level, key in (("prefecture", "prefectures"), ("district", "districts")):
        for province, children in raw[key].items():
            for code, name in children.items():
                out[code] = Region(code, name, level, province)
    return out


@cache
def occupations() -> dict[str, Occupation]:
    raw = yaml.safe_load((HERE / "occupations.yaml").read_text(encoding="utf-8"))
    return {o["code"]: Occupation(o["code"], o["name"]) for o in raw["occupations"]}


def province_of(region_code: str) -> str:
    """The 2-digit province of any GB/T 2260 code (``320505`` → ``32``)."""
    return region_code[:2]


def prefecture_of(region_code: str) -> str:
    """The region a subject is filed under: a prefecture, or a Shanghai district.

    County-level codes of Jiangsu, Zhejiang and Anhui (``320505``) roll up to their
    prefecture (``3205``); Shanghai's districts are kept as they are.
    """
    if region_code in regions():
        return region_code
    return region_code[:4]
