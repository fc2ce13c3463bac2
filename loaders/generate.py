"""Synthetic province: the canonical CSV files (``LAYOUTS.md``) of a realistic province.

:func:`generate_province` writes one UTF-8 CSV per kind (departments, organizations, persons,
legal_reps, officers, shareholdings, branches, licences, records) for ``orgs`` organisations
and about 1.25 persons per organisation. The same ``seed`` gives byte-identical files: one
``random.Random(seed)`` drives everything, and every date is relative to ``as_of``.

The files hold synthetic *raw* resident ID numbers, as a department's export would: they are
loader input. Write them to a scratch directory and never commit them.

What the data looks like
------------------------
- Organisations spread over the home province's prefectures by economic weight (Suzhou,
  Nanjing, Wuxi biggest in Jiangsu) on county codes ``<prefecture><2 digits>`` (real county
  codes for Jiangsu), and ``partner_share`` of them in the partner provinces of the Delta.
- Kinds: ~70% ``individual_business`` (owner is legal rep and 100% shareholder), ~27%
  ``enterprise``, a few ``farmer_coop``, ``social_org``, ``public_institution``, and a handful
  of ``state_asset_holder`` hubs (``hub=true``) holding stakes in many firms.
- Registered capital is lognormal, in 万元 (10,000 CNY), rounded to two significant figures
  as registrations are. Corporate shareholders are drawn by preferential attachment, so a
  few groups own many subsidiaries, in chains of several levels; a few stakes close
  ownership cycles; big firms have branches (``BRANCH_OF`` branch → head office).
- A third of the biggest joint-stock companies, and half the roots of holding pyramids, are
  listed: a unique ``stock_code`` of the Shanghai or Shenzhen boards.
- Some persons are legal rep of 2–5 firms; officers sit on several boards; ~5% of persons
  have no ID number and are referenced by ``person_key`` everywhere; ~1–2% hold licences of
  the 23 occupations and practise at an organisation.
- Family clusters (a controller, spouse and same-surname relatives around a holding firm)
  and shell clusters (a nominee legal rep of many small firms in one county, set up after
  the real boss's firm was blacklisted) surround sanctioned subjects.
- Records of every list, level, category and status: ~3% of organisations carry a black or
  focus record, ~1% a red one, some persons are judgment debtors. Publication windows
  follow the level (domain.md); a record is ``expired`` once its window closed, some are
  ``repaired`` after the minimum period, a few ``revoked`` or ``under_objection``.
  ``record_id`` is ``<department code>-<year>-<sequence>``.
- Some relationships are historical (``until`` in the past): a legal rep replaced, a
  founder who sold out to a group. Sum ratios over current stakes only.

Tricky-but-valid cases for propagation and ownership tests
----------------------------------------------------------
Right after the hubs (the first rows of ``organizations.csv``), in this order:

1. A pyramid: a controller holds 90% of a listed root firm (the provincial hub 10%), which
   holds a chain of subsidiaries four levels deep (100%, 70%, 60%, 51%). The root also has
   an ``honorary_chairman`` (名誉董事长: a title, not a board seat).
2. An ownership cycle X → Y → Z → X (60%, 70%, 20%) and a cross-holding A ↔ B (30%, 15%).
3. A severely sanctioned firm S (an active severe ``judgment_debtor`` black record and an
   active serious ``tax`` focus record) in which the provincial hub holds 51%, with a
   branch and an 80% subsidiary. S's legal representative is a director and 30%
   shareholder of another firm E (Company Law art. 178).
4. A firm with an active severe ``environment`` black record whose legal representative
   has no ID number (``person_key`` only).
5. Four firms whose black records pass nothing on, or only a pending flag: a severe one
   ``under_objection``, a severe one ``revoked``, a serious one ``repaired``, a severe one
   ``expired``.

The hubs are the first organisations: the provincial one (region ``XX0000``), then those of
the largest prefectures (region ``XXXX00``). They hold stakes in 5% of enterprises.
"""

from __future__ import annotations

import bisect
import csv
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Final, Generic, TypeVar

from graph.identifiers import USCC_ALPHABET, make_id_number, make_uscc
from graph.reference import regions

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "departments": ("code", "name", "province"),
    "organizations": (
        "uscc", "name", "kind", "region_code", "status", "established_on",
        "registered_capital", "hub", "stock_code",
    ),
    "persons": ("id_number", "person_key", "name", "region_code", "gender", "birth_year"),
    "legal_reps": ("id_number", "person_key", "uscc", "since", "until"),
    "officers": ("id_number", "person_key", "uscc", "role", "since", "until"),
    "shareholdings": (
        "holder_uscc", "holder_id_number", "holder_person_key", "uscc", "ratio", "since", "until",
    ),
    "branches": ("branch_uscc", "head_uscc"),
    "licences": (
        "id_number", "person_key", "occupation_code", "licence_no", "valid_until",
        "practises_at_uscc",
    ),
    "records": (
        "record_id", "subject_uscc", "subject_id_number", "subject_person_key", "list",
        "category", "level", "authority", "basis", "decided_on", "publish_from",
        "publish_until", "status", "source_province",
    ),
}  # fmt: skip

T = TypeVar("T")


class _Weighted(Generic[T]):
    """A weighted choice by bisection over cumulative weights (cheaper than rng.choices)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]

    def pick(self, rng: Random) -> T:
        index = bisect.bisect(self._cum, rng.random() * self._total)
        return self._items[min(index, len(self._items) - 1)]


def _parse_weights(spec: str) -> list[tuple[str, float]]:
    words = spec.split()
    return [(words[i], float(words[i + 1])) for i in range(0, len(words), 2)]


# --------------------------------------------------------------------------- geography

# GDP 2023 (100 million CNY) as the weight of each prefecture, or Shanghai district.
_ECONOMY: Final[dict[str, str]] = {
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
_JIANGSU_COUNTIES: Final[dict[str, tuple[str, ...]]] = {
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
_GENERIC_COUNTIES: Final = ("02", "03", "04", "05", "06", "21", "22", "81", "82")
# Department-code prefix, one-character abbreviation (document numbers), customs district.
_PROVINCE_LABELS: Final[dict[str, tuple[str, str, str]]] = {
    "31": ("SH", "沪", "上海海关"),
    "32": ("JS", "苏", "南京海关"),
    "33": ("ZJ", "浙", "杭州海关"),
    "34": ("AH", "皖", "合肥海关"),
}
_PARTNER_WEIGHT: Final[dict[str, float]] = {"31": 45, "32": 45, "33": 35, "34": 20}
# Birthplaces of residents from outside the Delta (ID address codes); 83 = Taiwan residents,
# common as legal representatives in Kunshan.
_MIGRANT_ORIGINS: Final = _Weighted(
    _parse_weights("41 3 37 2 51 1 42 1 43 1 36 1 13 1 23 0.5 83 0.2")
)


@dataclass(frozen=True)
class _Province:
    code: str
    name: str  # 江苏省, 上海市
    abbr: str
    short: str
    customs: str
    areas: _Weighted[str]  # prefectures, or Shanghai's districts

    @property
    def municipality(self) -> bool:
        return self.code == "31"


def _province(code: str) -> _Province:
    if code not in _ECONOMY:
        raise ValueError(f"province must be one of {sorted(_ECONOMY)}, got {code!r}")
    abbr, short, customs = _PROVINCE_LABELS[code]
    return _Province(
        code, regions()[code].name, abbr, short, customs, _Weighted(_parse_weights(_ECONOMY[code]))
    )


# --------------------------------------------------------------------------- departments


@dataclass(frozen=True)
class _DepartmentSpec:
    suffix: str  # department code is "<province abbr>-<suffix>"
    name: str  # {p}: province name; {customs}: customs district
    municipal_name: str  # Shanghai's bureau, where it is named differently; "" = same
    doc: str  # abbreviation in document numbers: 苏市监罚〔2024〕12号
    categories: tuple[str, ...]  # black/focus categories it decides
    weight: float  # its share of organisations' black/focus records
    honours: bool  # keeps a red list too


_DEPARTMENT_SPECS: Final = (
    _DepartmentSpec("FGW", "{p}发展和改革委员会", "", "发改", ("other",), 0.02, True),
    _DepartmentSpec(
        "SCJGJ", "{p}市场监督管理局", "", "市监",
        ("product_quality", "contract", "food_drug", "intellectual_property", "other"),
        0.22, True,
    ),
    _DepartmentSpec("SWJ", "国家税务总局{p}税务局", "", "税", ("tax",), 0.15, True),
    _DepartmentSpec("STHJT", "{p}生态环境厅", "{p}生态环境局", "环", ("environment",), 0.08, False),
    _DepartmentSpec("GYFY", "{p}高级人民法院", "", "", ("judgment_debtor",), 0.27, False),
    _DepartmentSpec("YJJ", "{p}药品监督管理局", "", "药监", ("food_drug",), 0.05, False),
    _DepartmentSpec(
        "RSHT", "{p}人力资源和社会保障厅", "{p}人力资源和社会保障局", "人社", ("labour",),
        0.06, True,
    ),
    _DepartmentSpec("YJGLT", "{p}应急管理厅", "{p}应急管理局", "应急", ("safety",), 0.05, False),
    _DepartmentSpec("JRJGJ", "{p}地方金融监督管理局", "", "金融", ("finance",), 0.03, False),
    _DepartmentSpec(
        "ZSCQJ", "{p}知识产权局", "", "知", ("intellectual_property",), 0.02, False
    ),
    _DepartmentSpec(
        "ZJT", "{p}住房和城乡建设厅", "{p}住房和城乡建设管理委员会", "建",
        ("contract", "safety"), 0.03, False,
    ),
    _DepartmentSpec(
        "JTYST", "{p}交通运输厅", "{p}交通委员会", "交", ("safety", "other"), 0.02, False
    ),
    _DepartmentSpec(
        "WHHLYT", "{p}文化和旅游厅", "{p}文化和旅游局", "文旅", ("other",), 0.01, False
    ),
    _DepartmentSpec("SWT", "{p}商务厅", "{p}商务委员会", "商", ("contract", "other"), 0.01, False),
    _DepartmentSpec("CZT", "{p}财政厅", "{p}财政局", "财", ("finance", "other"), 0.02, False),
    _DepartmentSpec("HG", "{customs}", "", "关", ("tax", "other"), 0.01, True),
)  # fmt: skip
# Partner provinces appear through the departments that share most (信用长三角 lead fields).
_PARTNER_SUFFIXES: Final = ("SCJGJ", "GYFY", "STHJT")
_COURT: Final = "GYFY"


@dataclass(frozen=True)
class _Department:
    code: str
    name: str
    province: _Province
    spec: _DepartmentSpec


def _departments_of(province: _Province, suffixes: Sequence[str] | None) -> list[_Department]:
    out = []
    for spec in _DEPARTMENT_SPECS:
        if suffixes is not None and spec.suffix not in suffixes:
            continue
        template = (
            spec.municipal_name if province.municipality and spec.municipal_name else spec.name
        )
        name = template.format(p=province.name, customs=province.customs)
        out.append(_Department(f"{province.abbr}-{spec.suffix}", name, province, spec))
    return out


# --------------------------------------------------------------------------- names

_SURNAMES: Final = _Weighted(
    _parse_weights(
        "王 7.1 李 7.0 张 6.7 刘 5.4 陈 4.5 杨 3.1 黄 2.2 赵 2.1 吴 2.0 周 1.9 徐 1.6 孙 1.5 "
        "马 1.4 朱 1.4 胡 1.3 郭 1.2 何 1.2 高 1.1 林 1.1 罗 1.0 郑 0.9 梁 0.9 谢 0.8 宋 0.7 "
        "唐 0.7 许 0.7 韩 0.6 冯 0.6 邓 0.6 曹 0.6 彭 0.5 曾 0.5 肖 0.5 田 0.5 董 0.5 袁 0.5 "
        "潘 0.5 于 0.5 蒋 0.5 蔡 0.5 余 0.4 杜 0.4 叶 0.4 程 0.4 苏 0.4 魏 0.4 吕 0.4 丁 0.4 "
        "任 0.4 沈 0.5 姚 0.3 卢 0.3 姜 0.3 崔 0.3 钟 0.3 谭 0.3 陆 0.4 汪 0.3 范 0.3 金 0.3 "
        "石 0.3 廖 0.3 贾 0.3 夏 0.3 韦 0.2 付 0.2 方 0.2 白 0.2 邹 0.2 孟 0.2 熊 0.2 秦 0.2 "
        "邱 0.2 江 0.2 尹 0.2 薛 0.2 闫 0.2 段 0.2 雷 0.2 侯 0.2 龙 0.2 史 0.2 陶 0.2 黎 0.2 "
        "贺 0.2 顾 0.3 毛 0.2 郝 0.2 龚 0.2 邵 0.2 万 0.2 钱 0.3 严 0.2 武 0.2 戴 0.2 孔 0.1 "
        "汤 0.1 欧阳 0.03 上官 0.01 诸葛 0.01"
    )
)
_GIVEN_MALE: Final = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩峰俊晨阳东亮健文龙彬林海兵锋凯"
_GIVEN_FEMALE: Final = "芳娜敏静丽艳娟霞燕玲婷雪慧红梅琳洁颖倩萍莉丹琴云佳欣悦蕾婧瑶"
_GIVEN_MIDDLE: Final = "子俊文晓小志建海宇思雨嘉梓家一永国金春秋立明新振德学世云"
_TRADE_NAME: Final = (
    "鑫盛华达恒瑞泰宏源通祥丰隆兴锦荣天宇辰博德信和新亚创远星海嘉佳凯腾润康安盈鼎正科力金"
    "银永昌万益晟翔弘誉卓越联合众诚汇聚百川中"
)
_INDUSTRIES: Final = (
    "科技", "贸易", "实业", "建设工程", "机械制造", "电子", "新材料", "物流", "餐饮管理",
    "信息技术", "环保科技", "生物医药", "化工", "纺织", "服饰", "食品", "建材", "装饰工程",
    "房地产开发", "投资管理", "商贸", "汽车销售", "电气", "精密机械", "光电科技", "网络科技",
    "医疗器械", "农业发展", "人力资源", "物业管理", "劳务", "文化传媒", "教育咨询",
    "供应链管理", "智能装备", "能源", "塑料制品", "五金", "包装", "印刷",
)  # fmt: skip
_SHOPS: Final = (
    "便利店", "小吃店", "五金店", "理发店", "烟酒店", "服装店", "水果店", "面馆", "汽车修理部",
    "建材经营部", "家电维修部", "副食品店", "超市", "餐馆", "美容店", "日用品商店", "农资店",
    "饭店", "茶叶店", "快递服务部", "电动车行", "粮油店",
)  # fmt: skip
_CROPS: Final = (
    "水稻种植", "蔬菜种植", "葡萄种植", "水产养殖", "生猪养殖", "茶叶种植", "苗木种植",
    "家禽养殖", "农机服务", "稻虾共作", "食用菌种植",
)  # fmt: skip
_ASSOCIATIONS: Final = ("个体劳动者", "餐饮行业", "建筑业", "软件行业", "物流", "会计", "电子商务")
_DIRECTIONS: Final = ("城东", "城西", "城南", "城北", "新区", "开发区", "高新区", "园区")
_NUMERALS: Final = "一二三四五六七八九"

# --------------------------------------------------------------------------- organisations

# (authority, category) of USCC characters 1–2 (GB 32100).
_USCC_TYPE: Final[dict[str, tuple[str, str]]] = {
    "enterprise": ("9", "1"),
    "state_asset_holder": ("9", "1"),
    "individual_business": ("9", "2"),
    "farmer_coop": ("9", "3"),
    "public_institution": ("1", "2"),
}
_SOCIAL_ORG_TYPES: Final = ("1", "2", "3")  # 社会团体, 民办非企业单位, 基金会 (authority 5)
_HOME_KINDS: Final = _Weighted(
    _parse_weights(
        "individual_business 0.740 enterprise 0.230 farmer_coop 0.015 social_org 0.008 "
        "public_institution 0.007"
    )
)
_PARTNER_KINDS: Final = _Weighted(_parse_weights("enterprise 0.85 individual_business 0.15"))
_USCC_ERA: Final = date(2015, 10, 1).toordinal()  # new registrations got "MA…" bodies from here
_HUBS: Final = 5
# Stock-code prefixes of the Shanghai (60x, 688) and Shenzhen (00x, 30x) boards.
_BOARDS: Final = ("600", "601", "603", "605", "688", "000", "001", "002", "300", "301")
_ATTACHMENT: Final = 3  # pool entries a parent gains per subsidiary
_SHOWCASE_MIN_ORGS: Final = 100
_CLUSTER_MAX_ORGS: Final = 12  # the largest cluster: a shell cluster of 1 + 10 firms

# Publication windows in days (domain.md: general 3 months–1 year, severe 1–3 years).
_WINDOW: Final[dict[str, tuple[int, int]]] = {
    "general": (90, 365),
    "serious": (180, 730),
    "severe": (365, 1095),
    "red": (365, 1095),
}
_MIN_PERIOD: Final[dict[str, int]] = {"general": 90, "serious": 180, "severe": 365}
_YEAR: Final = 365
_BIRTH_SPAN: Final = (70 - 22) * _YEAR  # adults aged 22–70 on the as-of date

# Institutions and the professionals who practise there.
_INSTITUTIONS: Final = (
    ("第{n}人民医院", "medical_staff"),
    ("中医院", "medical_staff"),
    ("第{n}中学", "teacher"),
    ("实验小学", "teacher"),
    ("农业科学研究所", "researcher"),
    ("产品质量监督检验所", "certification_inspector"),
    ("政务服务中心", "civil_servant"),
    ("公共资源交易中心", "civil_servant"),
)
_FIRM_OCCUPATIONS: Final = (
    "lawyer", "accounting_staff", "cpa", "eia_engineer", "statistician", "tax_agent",
    "auditor", "appraiser", "credit_practitioner", "certification_inspector",
    "securities_futures", "insurance_broker", "patent_agent", "project_manager", "journalist",
    "tour_guide", "veterinarian",
)  # fmt: skip
# Where a professional's misconduct is recorded: (department suffix, category).
_PROFESSIONAL_RECORD: Final[dict[str, tuple[str, str]]] = {
    "accounting_staff": ("CZT", "finance"),
    "cpa": ("CZT", "finance"),
    "auditor": ("CZT", "finance"),
    "appraiser": ("CZT", "other"),
    "tax_agent": ("SWJ", "tax"),
    "eia_engineer": ("STHJT", "environment"),
    "certification_inspector": ("SCJGJ", "product_quality"),
    "securities_futures": ("JRJGJ", "finance"),
    "insurance_broker": ("JRJGJ", "finance"),
    "project_manager": ("ZJT", "contract"),
    "tour_guide": ("WHHLYT", "other"),
    "patent_agent": ("ZSCQJ", "intellectual_property"),
}

Subject = tuple[str, str, str]  # (uscc, id_number, person_key): exactly one is non-empty


class _CodeTable:
    """Fixed-width ASCII codes in one bytearray: 18 bytes a code instead of a ~70-byte str."""

    __slots__ = ("_data",)
    WIDTH: Final = 18

    def __init__(self) -> None:
        self._data = bytearray()

    def append(self, code: str) -> None:
        self._data += code.encode("ascii").ljust(self.WIDTH)

    def __getitem__(self, index: int) -> str:
        start = index * self.WIDTH
        return self._data[start : start + self.WIDTH].decode("ascii").rstrip()

    def __len__(self) -> int:
        return len(self._data) // self.WIDTH


class _Sink:
    """One CSV writer per kind; rows go to disk as they are made."""

    def __init__(self, out_dir: Path, stack: ExitStack) -> None:
        self.counts = dict.fromkeys(COLUMNS, 0)
        self._writers = {}
        for kind, columns in COLUMNS.items():
            path = out_dir / f"{kind}.csv"
            handle = stack.enter_context(
                path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
            )
            # "\n", not csv's "\r\n" default: the same bytes wherever it runs.
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._writers[kind] = writer

    def write(self, kind: str, row: Sequence[object]) -> None:
        self._writers[kind].writerow(row)
        self.counts[kind] += 1


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _optional_iso(ordinal: int | None) -> str:
    return "" if ordinal is None else _iso(ordinal)


def _ratio(points: int) -> str:
    """Basis points as a ratio string: 5100 → "0.51", 10000 → "1"."""
    return f"{points / 10000:.4f}".rstrip("0").rstrip(".")


def _two_figures(value: float) -> int:
    """Round to two significant figures, as registered capital usually is (120, 3500, 18000)."""
    if value < 10:
        return max(1, round(value))
    scale = 10 ** (int(math.log10(value)) - 1)
    return round(value / scale) * scale


class _Scramble:
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


def _adult(birth: int) -> int:
    return birth + 18 * _YEAR + 5  # the 18th birthday, leap days included


def _weighted_departments(departments: Sequence[_Department]) -> _Weighted[_Department]:
    return _Weighted([(d, d.spec.weight) for d in departments])


class _Core:
    """Generation state and the rows every builder writes.

    State is kept in compact arrays indexed by organisation and person number, so a
    million organisations cost tens of megabytes, not gigabytes of row dicts.
    """

    def __init__(
        self, sink: _Sink, rng: Random, province: str, as_of: date, partner_share: float
    ) -> None:
        self.sink = sink
        self.rng = rng
        self.as_of = as_of.toordinal()
        self.partner_share = partner_share
        self.provinces = {code: _province(code) for code in _ECONOMY}
        self.home = self.provinces[province]
        partners = [p for code, p in self.provinces.items() if code != province]
        self.partners = _Weighted([(p, _PARTNER_WEIGHT[p.code]) for p in partners])
        self.home_departments = _departments_of(self.home, None)
        self.partner_departments = {p.code: _departments_of(p, _PARTNER_SUFFIXES) for p in partners}
        self.by_code = {d.code: d for d in self.home_departments}
        self.home_weights = _weighted_departments(self.home_departments)
        self.partner_weights = {
            code: _weighted_departments(ds) for code, ds in self.partner_departments.items()
        }
        self.courts = {
            d.province.code: d
            for ds in (self.home_departments, *self.partner_departments.values())
            for d in ds
            if d.spec.suffix == _COURT
        }
        self.honour_issuers = [d for d in self.home_departments if d.spec.honours]
        self.record_seq: dict[tuple[str, int], int] = {}
        self.place_cache: dict[str, tuple[str, str]] = {}
        # Organisations: USCC, date established (ordinal), main corporate parent (-1: none).
        self.usccs = _CodeTable()
        self.established = array("i")
        self.parent = array("i")
        # Persons: ID number or person_key, date of birth (ordinal).
        self.persons = _CodeTable()
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
        self.id_scramble = _Scramble(rng, _BIRTH_SPAN * 1000)
        self.ma_scramble = _Scramble(rng, 31**6)
        self.digit_scramble = _Scramble(rng, 10**8)
        self.stock_scramble = _Scramble(rng, len(_BOARDS) * 1000)
        self.listed = 0  # stock codes issued

    # ------------------------------------------------------------------ places and dates

    def county(self, province: _Province | None = None) -> str:
        """A county-level code of the province (home by default), by economic weight."""
        return self.county_in((province or self.home).areas.pick(self.rng))

    def county_in(self, area: str) -> str:
        """A county-level code of a prefecture; a Shanghai district is one already."""
        if len(area) == 6:
            return area
        return area + self.pick(_JIANGSU_COUNTIES.get(area, _GENERIC_COUNTIES))

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
        age = int(self.rng.expovariate(1 / (mean_years * _YEAR)))
        return min(max(self.as_of - 1 - age, oldest.toordinal()), self.as_of - 1)

    def between(self, first: date, last: date) -> int:
        latest = min(last.toordinal(), self.as_of - 1)
        return self.rng.randint(min(first.toordinal(), latest), latest)

    def org_status(self, established: int) -> str:
        years = (self.as_of - established) / _YEAR
        r = self.rng.random()
        if r < 0.01 + 0.002 * years:
            return "revoked"
        if r < 0.03 + 0.006 * years:
            return "cancelled"
        return "active"

    def capital(self, median: float, sigma: float) -> int:
        return _two_figures(self.rng.lognormvariate(math.log(median), sigma))

    def pick(self, options: Sequence[T]) -> T:
        # Scaling random() is uniform enough here and 3x cheaper than randrange.
        return options[int(self.rng.random() * len(options))]

    # ------------------------------------------------------------------ persons

    def surname(self) -> str:
        return _SURNAMES.pick(self.rng)

    def given_name(self, male: bool) -> str:
        last = self.pick(_GIVEN_MALE if male else _GIVEN_FEMALE)
        return last if self.rng.random() < 0.3 else self.pick(_GIVEN_MIDDLE) + last

    def birthplace(self, county: str) -> str:
        """The address code of an ID number: mostly where the person lives, else elsewhere."""
        r = self.rng.random()
        if r < 0.7:
            return county
        if r < 0.9:
            return self.county(self.provinces.get(county[:2], self.home))
        origin = _MIGRANT_ORIGINS.pick(self.rng)
        if origin == "83":
            return "830000"
        return f"{origin}{self.rng.randint(1, 15):02d}{self.pick(_GENERIC_COUNTIES)}"

    def new_person(self, county: str, surname: str | None = None, keyed: bool | None = None) -> int:
        index = len(self.birth)
        code = self.id_scramble(index)
        birth = self.as_of - 70 * _YEAR + code // 1000
        sequence = code % 1000
        male = sequence % 2 == 1  # GB 11643: an odd sequence is a man
        name = (surname or self.surname()) + self.given_name(male)
        if keyed is None:
            keyed = self.rng.random() < 0.05
        if keyed:
            # A source that knows the person by name only: a source-scoped surrogate key.
            key = f"K{index:09d}"
            self.persons.append(key)
            self.sink.write("persons", ("", key, name, county, "", ""))
        else:
            born = date.fromordinal(birth)
            id_number = make_id_number(self.birthplace(county), born, sequence)
            self.persons.append(id_number)
            self.sink.write(
                "persons", (id_number, "", name, county, "male" if male else "female", born.year)
            )
        self.birth.append(birth)
        return index

    def person_columns(self, person: int) -> tuple[str, str]:
        ref = self.persons[person]
        return ("", ref) if ref[0] == "K" else (ref, "")

    def person_subject(self, person: int) -> Subject:
        return ("", *self.person_columns(person))

    def someone(self, county: str) -> int:
        """An officer or co-owner: mostly a new person, sometimes one who sits elsewhere too."""
        if self.rng.random() < 0.25:
            return self.rng.randrange(len(self.birth))
        return self.new_person(county)

    def adult_since(self, person: int, start: int) -> int:
        return max(start, _adult(self.birth[person]))

    # ------------------------------------------------------------------ organisations

    def org_body(self, index: int, established: int) -> str:
        """USCC characters 9–16: "MA…" for registrations since the USCC, 8 digits before."""
        if established >= _USCC_ERA:
            value = self.ma_scramble(index)
            chars = []
            for _ in range(6):
                value, digit = divmod(value, 31)
                chars.append(USCC_ALPHABET[digit])
            return "MA" + "".join(chars)
        return f"{self.digit_scramble(index):08d}"

    def register(
        self,
        kind: str,
        county: str,
        name: str,
        established: int,
        capital: int | None,
        *,
        status: str = "active",
        uscc_type: tuple[str, str] | None = None,
        hub: bool = False,
        stock_code: str = "",
    ) -> int:
        index = len(self.established)
        authority, category = uscc_type or _USCC_TYPE[kind]
        uscc = make_uscc(county, self.org_body(index, established), authority, category)
        self.usccs.append(uscc)
        self.established.append(established)
        self.parent.append(-1)
        capital_text = "" if capital is None else str(capital)
        row = (
            uscc, name, kind, county, status, _iso(established), capital_text,
            "true" if hub else "", stock_code,
        )  # fmt: skip
        self.sink.write("organizations", row)
        return index

    def stock_code(self) -> str:
        """A new listed company's unique stock code; "" once the boards' codes run out."""
        listed = self.listed
        if listed >= len(_BOARDS) * 1000:
            return ""
        self.listed += 1
        code = self.stock_scramble(listed)
        return f"{_BOARDS[code // 1000]}{code % 1000:03d}"

    def legal_rep(self, person: int, org: int, since: int, until: int | None = None) -> None:
        start = _iso(self.adult_since(person, since))
        row = (*self.person_columns(person), self.usccs[org], start, _optional_iso(until))
        self.sink.write("legal_reps", row)

    def officer(self, person: int, org: int, role: str) -> None:
        start = _iso(self.adult_since(person, self.established[org]))
        self.sink.write(
            "officers", (*self.person_columns(person), self.usccs[org], role, start, "")
        )

    def org_stake(self, holder: int, org: int, points: int, since: int = 0) -> None:
        start = _iso(max(since, self.established[holder], self.established[org]))
        row = (self.usccs[holder], "", "", self.usccs[org], _ratio(points), start, "")
        self.sink.write("shareholdings", row)

    def person_stake(self, person: int, org: int, points: int, until: int | None = None) -> None:
        start = _iso(self.adult_since(person, self.established[org]))
        columns = self.person_columns(person)
        row = ("", *columns, self.usccs[org], _ratio(points), start, _optional_iso(until))
        self.sink.write("shareholdings", row)

    def trade_name(self) -> str:
        return self.pick(_TRADE_NAME) + self.pick(_TRADE_NAME)

    def company_name(self, county: str, joint_stock: bool = False) -> str:
        if joint_stock:
            form = "股份有限公司"
        else:
            form = "有限责任公司" if self.rng.random() < 0.1 else "有限公司"
        return f"{self.place(county)[0]}{self.trade_name()}{self.pick(_INDUSTRIES)}{form}"

    def licence(self, person: int, occupation: str, org: int) -> None:
        rng = self.rng
        earliest = max(_adult(self.birth[person]) + 3 * _YEAR, self.as_of - 15 * _YEAR)
        issued = rng.randint(min(earliest, self.as_of - 1), self.as_of - 1)
        if occupation in ("civil_servant", "legal_representative"):
            number, valid_until = "", ""  # a post, not a practising certificate
        else:
            year = date.fromordinal(issued).year
            number = f"{self.home.code}{year}{rng.randrange(10**7):07d}"
            valid_until = _iso(issued + 5 * _YEAR)
        row = (*self.person_columns(person), occupation, number, valid_until, self.usccs[org])
        self.sink.write("licences", row)
        if occupation in _PROFESSIONAL_RECORD and rng.random() < 0.05:
            self.professional_record(person, occupation, issued)

    # ------------------------------------------------------------------ records

    def next_record_id(self, department: _Department, decided: int) -> str:
        year = date.fromordinal(decided).year
        key = (department.code, year)
        self.record_seq[key] = seq = self.record_seq.get(key, 0) + 1
        return f"{department.code}-{year}-{seq:06d}"

    def basis(self, department: _Department, decided: int, county: str, red: bool) -> str:
        year = date.fromordinal(decided).year
        number = self.rng.randint(1, 3000)
        short = department.province.short
        if department.spec.suffix == _COURT:
            # An enforcement case number names the county court: （2024）苏0505执1234号.
            if county[:2] != department.province.code:
                county = self.county(department.province)
            return f"（{year}）{short}{county[2:6]}执{number}号"
        act = "发" if red else "罚"
        return f"{short}{department.spec.doc}{act}〔{year}〕{number}号"

    def decided_after(self, start: int) -> int | None:
        """A decision date in the last five years, after ``start``; None if there is no room."""
        earliest = max(self.as_of - 5 * _YEAR, start + 30)
        if earliest >= self.as_of - 1:
            return None
        return self.rng.randint(earliest, self.as_of - 1)

    def window(self, level: str, category: str) -> int:
        if category == "judgment_debtor" and self.rng.random() < 0.8:
            return 2 * _YEAR  # 法释〔2017〕7号: usually two years
        low, high = _WINDOW[level]
        return self.rng.randint(low, high)

    def status(self, level: str, decided: int, until: int) -> str:
        r = self.rng.random()
        if r < 0.03:
            return "revoked"
        if level == "red":
            return "expired" if until < self.as_of else "active"
        if r < 0.2 and decided + _MIN_PERIOD[level] <= self.as_of:
            return "repaired"  # minimum period served, act corrected, commitment made
        if until < self.as_of:
            return "expired"
        return "under_objection" if r > 0.95 else "active"

    def record(
        self,
        subject: Subject,
        department: _Department,
        list_: str,
        category: str,
        level: str,
        decided: int,
        county: str,
        status: str | None = None,
    ) -> None:
        rng = self.rng
        red = list_ == "red"
        delay = 0 if rng.random() < 0.6 else rng.randint(1, 10)
        publish_from = min(decided + delay, self.as_of)
        until = publish_from + self.window("red" if red else level, category)
        status = status or self.status("red" if red else level, decided, until)
        row = (
            self.next_record_id(department, decided), *subject, list_, category, level,
            department.code, self.basis(department, decided, county, red), _iso(decided),
            _iso(publish_from), _iso(until), status, department.province.code,
        )  # fmt: skip
        self.sink.write("records", row)

    def sanction(
        self, subject: Subject, county: str, start: int, weights: _Weighted[_Department]
    ) -> str:
        """A random black or focus record of a subject existing since ``start``; its category."""
        decided = self.decided_after(start)
        if decided is None:
            return ""
        rng = self.rng
        department = weights.pick(rng)
        category = self.pick(department.spec.categories)
        if category == "judgment_debtor":
            list_, level = "black", "severe"  # 失信被执行人 is a severe list in itself
        elif rng.random() < 0.45:
            list_, level = "black", "severe" if rng.random() < 0.75 else "serious"
        else:
            list_, level = "focus", "general" if rng.random() < 0.6 else "serious"
        self.record(subject, department, list_, category, level, decided, county)
        return category

    def judgment_debtor(self, person: int, county: str, start: int) -> None:
        decided = self.decided_after(max(start, _adult(self.birth[person])))
        if decided is not None:
            court = self.courts.get(county[:2], self.courts[self.home.code])
            subject = self.person_subject(person)
            self.record(subject, court, "black", "judgment_debtor", "severe", decided, county)

    def professional_record(self, person: int, occupation: str, start: int) -> None:
        decided = self.decided_after(start)
        if decided is not None:
            suffix, category = _PROFESSIONAL_RECORD[occupation]
            department = self.by_code[f"{self.home.abbr}-{suffix}"]
            level = "general" if self.rng.random() < 0.6 else "serious"
            subject = self.person_subject(person)
            self.record(subject, department, "focus", category, level, decided, self.county())

    def honour(self, subject: Subject, county: str, start: int) -> None:
        decided = self.decided_after(start)
        if decided is not None:
            department = self.pick(self.honour_issuers)
            self.record(subject, department, "red", "honour", "", decided, county)

    def org_records(self, org: int, county: str, negative: float, red: float) -> set[str]:
        """Random records of an organisation: black/focus with odds ``negative``, red ``red``.

        Returns the categories of its black/focus records.
        """
        rng = self.rng
        subject: Subject = (self.usccs[org], "", "")
        start = self.established[org]
        categories = set()
        if rng.random() < negative:
            weights = self.negative_weights(county)
            categories.add(self.sanction(subject, county, start, weights))
            while rng.random() < 0.3:
                categories.add(self.sanction(subject, county, start, weights))
        # Red lists are the home province's honours of its own organisations.
        if rng.random() < red and county[:2] == self.home.code:
            self.honour(subject, county, start)
        return categories

    def negative_weights(self, county: str) -> _Weighted[_Department]:
        if county[:2] != self.home.code:
            return self.partner_weights[county[:2]]
        # "一处失信、处处受限": now and then a partner province's department lists a home firm.
        if self.rng.random() < 0.05:
            return self.partner_weights[self.partners.pick(self.rng).code]
        return self.home_weights


class _Synthesizer(_Core):
    """The kinds of organisation, the clusters around sanctioned subjects, the showcase."""

    def run(self, orgs: int) -> None:
        """Departments, hubs, the showcase, then ordinary organisations and now and then a
        cluster, until there are exactly ``orgs`` organisations."""
        self.departments()
        self.state_asset_holders(min(_HUBS, orgs // 20))
        if orgs >= _SHOWCASE_MIN_ORGS:
            self.showcase()
        clusters = (self.family_cluster, self.shell_cluster, self.pyramid_cluster, self.cycle)
        while (room := orgs - len(self.established)) > 0:
            if room >= _CLUSTER_MAX_ORGS and self.rng.random() < 0.004:
                self.pick(clusters)()
            else:
                self.ordinary(room)

    # ------------------------------------------------------------------ departments, hubs

    def departments(self) -> None:
        partner = [
            d for code in sorted(self.partner_departments) for d in self.partner_departments[code]
        ]
        for department in self.home_departments + partner:
            row = (department.code, department.name, department.province.code)
            self.sink.write("departments", row)

    def state_asset_holders(self, count: int) -> None:
        """The provincial holder (region XX0000), then those of the largest areas."""
        home = self.home
        provincial = home.code + "0000"
        by_weight = sorted(_parse_weights(_ECONOMY[home.code]), key=lambda pair: -pair[1])
        for area in [provincial, *(a for a, _ in by_weight)][:count]:
            # A city's holder is registered at the city code (320500), with officers living
            # there; the provincial one at XX0000, with officers anywhere in the province.
            seat = area if len(area) == 6 else area + "00"
            if area == provincial:
                name, homes = f"{home.name}国有资本投资运营集团有限公司", self.county()
            else:
                purpose = self.pick(("国有资产投资经营", "城市建设投资", "产业投资"))
                name, homes = f"{self.place(seat)[1]}{purpose}集团有限公司", self.county_in(area)
            established = self.between(date(1995, 1, 1), date(2012, 12, 31))
            capital = self.capital(500_000, 0.8)
            hub = self.register("state_asset_holder", seat, name, established, capital, hub=True)
            self.hubs[area] = hub
            chairman = self.new_person(homes, keyed=False)
            self.legal_rep(chairman, hub, established)
            self.officer(chairman, hub, "chairman")
            for role in ("general_manager", "director", "director", "supervisor"):
                self.officer(self.new_person(homes, keyed=False), hub, role)

    def hub_for(self, county: str) -> int:
        """Mostly the holder of the firm's own city, else the provincial one."""
        key = county if self.home.municipality else county[:4]
        if key in self.hubs and self.rng.random() < 0.5:
            return self.hubs[key]
        return self.hubs[self.home.code + "0000"]

    # ------------------------------------------------------------------ ordinary units

    def ordinary(self, room: int) -> None:
        """One organisation of a random kind (an enterprise may bring branches, within room)."""
        rng = self.rng
        partner = rng.random() < self.partner_share
        province = self.partners.pick(rng) if partner else self.home
        county = self.county(province)
        kind = (_PARTNER_KINDS if partner else _HOME_KINDS).pick(rng)
        if kind == "individual_business":
            self.individual_business(county)
        elif kind == "farmer_coop":
            self.farmer_coop(county)
        elif kind == "social_org":
            self.social_org(county)
        elif kind == "public_institution":
            self.public_institution(county)
        else:
            self.enterprise(county, partner, room)

    def legal_rep_for(self, county: str, surname: str, reuse: float) -> int:
        """A serial legal rep (of 2–5 firms in all) with odds ``reuse``, else a new person."""
        rng = self.rng
        if self.serial and rng.random() < reuse:
            slot = rng.randrange(len(self.serial))
            person = self.serial[slot]
            self.serial_left[slot] -= 1
            if self.serial_left[slot] == 0:
                self.serial[slot], self.serial_left[slot] = self.serial[-1], self.serial_left[-1]
                self.serial.pop()
                self.serial_left.pop()
            return person
        person = self.new_person(county, surname)
        if rng.random() < 0.1:
            self.serial.append(person)
            self.serial_left.append(rng.randint(1, 4))
        if rng.random() < 0.004:
            self.judgment_debtor(person, county, 0)
        return person

    def individual_business(self, county: str) -> None:
        rng = self.rng
        established = self.since_age(5, date(2000, 1, 1))
        surname = self.surname()
        owner = self.legal_rep_for(county, surname, reuse=0.06)
        label = self.trade_name() if rng.random() < 0.8 else surname + "记"
        name = f"{self.place(county)[1]}{label}{self.pick(_SHOPS)}"
        capital = self.capital(5, 1.0) if rng.random() < 0.7 else None
        status = self.org_status(established)
        org = self.register(
            "individual_business", county, name, established, capital, status=status
        )
        # The operator (经营者) is the legal rep and, for the graph, the 100% owner.
        self.legal_rep(owner, org, established)
        self.person_stake(owner, org, 10000)
        if "judgment_debtor" in self.org_records(org, county, negative=0.022, red=0.004):
            # A 个体工商户's debts are its operator's: the court lists the operator too.
            self.judgment_debtor(owner, county, established)

    def farmer_coop(self, county: str) -> None:
        rng = self.rng
        established = self.between(date(2007, 7, 1), date.max)  # Cooperatives Law
        name = f"{self.place(county)[1]}{self.trade_name()}{self.pick(_CROPS)}专业合作社"
        capital = self.capital(50, 1.0)
        org = self.register("farmer_coop", county, name, established, capital)
        surname = self.surname()
        chairman = self.legal_rep_for(county, surname, reuse=0.02)
        self.legal_rep(chairman, org, established)
        self.officer(chairman, org, "chairman")
        # Members of a village cooperative often share the chairman's surname.
        members = [
            self.new_person(county, surname if rng.random() < 0.5 else None)
            for _ in range(rng.randint(1, 3))
        ]
        self.officer(members[0], org, "supervisor")
        for member, share in zip(
            [chairman, *members], self.split(10000, len(members) + 1), strict=True
        ):
            self.person_stake(member, org, share)
        self.org_records(org, county, negative=0.02, red=0.02)

    def social_org(self, county: str) -> None:
        rng = self.rng
        subtype = self.pick(_SOCIAL_ORG_TYPES)
        full = self.place(county)[1]
        if subtype == "1":
            name = f"{full}{self.pick(_ASSOCIATIONS)}协会"
        elif subtype == "2":
            name = (
                f"{full}{self.trade_name()}{self.pick(('培训中心', '养老服务中心', '社工服务社'))}"
            )
        else:
            name = f"{full}{self.trade_name()}慈善基金会"
        established = self.between(date(1990, 1, 1), date.max)
        capital = self.capital(20, 1.0) if rng.random() < 0.5 else None
        org = self.register(
            "social_org", county, name, established, capital, uscc_type=("5", subtype)
        )
        head = self.new_person(county)
        self.legal_rep(head, org, established)
        self.officer(head, org, "chairman")
        self.officer(self.someone(county), org, "principal")  # 秘书长, who runs it day to day
        self.org_records(org, county, negative=0.01, red=0.02)

    def public_institution(self, county: str) -> None:
        rng = self.rng
        template, occupation = self.pick(_INSTITUTIONS)
        name = self.place(county)[1] + template.format(n=self.pick(_NUMERALS))
        established = self.between(date(1950, 1, 1), date(2012, 12, 31))
        org = self.register("public_institution", county, name, established, self.capital(500, 1))
        head = self.new_person(county)
        self.legal_rep(head, org, established)
        self.officer(head, org, "principal")
        for _ in range(rng.randint(1, 2)):
            self.licence(self.new_person(county), occupation, org)
        self.org_records(org, county, negative=0.005, red=0.01)

    # ------------------------------------------------------------------ enterprises

    def enterprise(self, county: str, partner: bool, room: int) -> None:
        rng = self.rng
        established = self.since_age(8, date(1990, 1, 1))
        capital = self.capital(100, 1.8)
        size = 2 if capital >= 5000 else 1 if capital >= 500 else 0
        joint_stock = size == 2 and rng.random() < 0.4
        code = self.stock_code() if joint_stock and rng.random() < 0.3 else ""
        name = self.company_name(county, joint_stock)
        status = self.org_status(established)
        org = self.register(
            "enterprise", county, name, established, capital, status=status, stock_code=code
        )
        surname = self.surname()
        rep = self.legal_rep_for(county, surname, reuse=0.2)
        self.legal_rep_history(org, rep, county)
        supervisor = self.board(org, rep, size, county, surname, joint_stock, bool(code))
        self.ownership(org, rep, supervisor, county, partner)
        self.join_pool(org, size)
        self.org_records(org, county, negative=0.045, red=0.04)
        self.firm_professional(org, rep, county)
        branching = (0.0, 0.08, 0.6)[size]
        if room > 1 and rng.random() < branching:
            count = min(room - 1, int(rng.paretovariate(1.3)), 30)
            self.branches(org, name, county, count)

    def legal_rep_history(self, org: int, rep: int, county: str) -> None:
        """The current legal rep, sometimes after a predecessor who has left."""
        rng = self.rng
        established = self.established[org]
        if rng.random() < 0.08:
            before = self.someone(county)
            earliest = self.adult_since(before, established) + _YEAR
            if before != rep and earliest < self.as_of - 30:
                change = rng.randint(earliest, self.as_of - 30)
                self.legal_rep(before, org, established, until=change)
                self.legal_rep(rep, org, change)
                return
        self.legal_rep(rep, org, established)

    def board(
        self,
        org: int,
        rep: int,
        size: int,
        county: str,
        surname: str,
        joint_stock: bool,
        listed: bool,
    ) -> int:
        """Officers by size; returns the supervisor.

        The legal rep is the chairman, executive director or manager, as Company Law allows;
        a small firm has the statutory minimum: executive director, manager (经理), supervisor.
        """
        rng = self.rng
        if size == 0:
            self.officer(rep, org, "executive_director")
            if rng.random() < 0.5:
                self.officer(rep, org, "manager")
        elif size == 1:
            self.officer(rep, org, "chairman" if rng.random() < 0.4 else "executive_director")
            manager = rep if rng.random() < 0.5 else self.someone(county)
            self.officer(manager, org, "general_manager")
        else:
            self.large_board(org, rep, county, joint_stock=joint_stock, listed=listed)
        # A small firm's supervisor is often family: the legal rep's surname.
        family = size < 2 and rng.random() < 0.3
        supervisor = self.new_person(county, surname) if family else self.someone(county)
        self.officer(supervisor, org, "supervisor")
        return supervisor

    def large_board(
        self, org: int, rep: int, county: str, *, joint_stock: bool, listed: bool
    ) -> None:
        rng = self.rng
        self.officer(rep, org, "chairman")
        roles = ["director"] * rng.randint(2, 6) + ["general_manager", "cfo"]
        roles += ["vice_chairman"] * (joint_stock or rng.random() < 0.3)
        roles += ["deputy_general_manager"] * rng.randint(0, 2)
        if joint_stock:
            roles += ["independent_director"] * rng.randint(2, 3)
            roles += ["board_secretary", "employee_director", "supervisor"]
            # 名誉董事长, often a retired founder: a title, not a board seat.
            roles += ["honorary_chairman"] * (rng.random() < 0.1)
        for role in roles:
            person = self.someone(county)
            self.officer(person, org, role)
            if listed and role == "board_secretary":
                self.licence(person, "listed_company_executive", org)

    def ownership(self, org: int, rep: int, supervisor: int, county: str, partner: bool) -> None:
        """Shareholders of a new enterprise; its current stakes sum to at most 100%."""
        rng = self.rng
        remaining = 10000
        if len(self.pool) and rng.random() < 0.22:
            remaining -= self.corporate_parent(org, rep)
        if remaining > 0 and rng.random() < 0.01:
            # Kept open for a subsidiary to take up later: a cross-holding or a cycle.
            self.reserved[org] = held = min(remaining, rng.randint(300, 1500))
            remaining -= held
        if remaining > 0 and self.hubs and not partner and rng.random() < 0.05:
            controlling = rng.random() < 0.3
            points = rng.randint(5100, 10000) if controlling else rng.randint(500, 4900)
            points = min(remaining, points)
            self.org_stake(self.hub_for(county), org, points)
            remaining -= points
        if remaining > 0:
            self.person_holders(org, rep, supervisor, county, remaining)

    def corporate_parent(self, org: int, rep: int) -> int:
        """A parent drawn by preferential attachment; returns the points it holds."""
        rng = self.rng
        parent = self.pool[rng.randrange(len(self.pool))]
        r = rng.random()
        if r < 0.35:
            points = 10000
        else:
            points = rng.randint(5100, 9900) if r < 0.65 else rng.randint(1000, 4900)
        since = max(self.established[org], self.established[parent])
        founded = self.adult_since(rep, self.established[org])
        if points == 10000 and rng.random() < 0.3 and max(since, founded) + 30 < self.as_of - 30:
            # Bought from its founder, who held everything until then.
            since = rng.randint(max(since, founded) + 30, self.as_of - 30)
            self.person_stake(rep, org, 10000, until=since)
        self.org_stake(parent, org, points, since)
        # Each acquisition makes the parent likelier to acquire again: a heavy-tailed
        # number of subsidiaries per group.
        self.pool.extend((parent,) * _ATTACHMENT)
        self.parent[org] = parent
        self.close_cycle(org, parent)
        return points

    def close_cycle(self, org: int, parent: int) -> None:
        """Take up a stake the parent (a cross-holding) or grandparent (a cycle) kept open."""
        for target in (parent, self.parent[parent]):
            if target in self.reserved and self.rng.random() < 0.5:
                self.org_stake(org, target, self.reserved.pop(target))
                return

    def person_holders(self, org: int, rep: int, supervisor: int, county: str, points: int) -> None:
        """The legal rep, often with the supervisor (the typical two-person LLC), rarely a third."""
        r = self.rng.random()
        holders = [rep]
        if r >= 0.5 and supervisor != rep:
            holders.append(supervisor)
        if r >= 0.9:
            holders.append(self.new_person(county))
        for holder, share in zip(holders, self.split(points, len(holders)), strict=True):
            self.person_stake(holder, org, share)

    def split(self, points: int, parts: int) -> list[int]:
        """``points`` in ``parts`` positive shares, the first the largest."""
        if points < parts:
            return [points] + [0] * (parts - 1)
        weights = sorted((self.rng.random() + 0.2 for _ in range(parts)), reverse=True)
        total = sum(weights)
        rest = [max(1, int(points * w / total)) for w in weights[1:]]
        return [points - sum(rest), *rest]

    def join_pool(self, org: int, size: int) -> None:
        """Weight for preferential attachment: big firms start as likelier parents."""
        weight = (1 if self.rng.random() < 0.5 else 0, 3, 10)[size]
        for _ in range(weight):
            self.pool.append(org)

    def branches(self, head: int, head_name: str, county: str, count: int) -> None:
        """Branches of a head office; a branch has a principal, not a legal rep."""
        rng = self.rng
        # 南京分公司 for the first branch in a city, then 南京城东分公司, 南京城西分公司, …;
        # in the head office's own city only the quarter: 城东分公司.
        head_city = self.branch_place(county)
        in_city = Counter({head_city: 1})
        for _ in range(count):
            where = self.county(self.home if rng.random() < 0.9 else self.partners.pick(rng))
            city = self.branch_place(where)
            in_city[city] += 1
            seen = in_city[city] - 1
            quarter = _DIRECTIONS[(seen - 1) % len(_DIRECTIONS)] if seen else ""
            label = f"{'' if city == head_city else city}{quarter}分公司"
            established = rng.randint(self.established[head], self.as_of - 1)
            status = self.org_status(established)
            name = head_name + label
            branch = self.register("enterprise", where, name, established, None, status=status)
            self.sink.write("branches", (self.usccs[branch], self.usccs[head]))
            self.officer(self.someone(where), branch, "principal")
            self.org_records(branch, where, negative=0.01, red=0.0)

    def branch_place(self, county: str) -> str:
        """The place a branch is named after: the city, or in Shanghai the district (浦东)."""
        if county[:2] == "31":
            return (
                self.place(county)[1].removeprefix("上海市").removesuffix("新区").removesuffix("区")
            )
        return self.place(county)[0]

    def firm_professional(self, org: int, rep: int, county: str) -> None:
        r = self.rng.random()
        if r < 0.003:
            self.licence(rep, "legal_representative", org)
        elif r < 0.02:
            self.licence(self.new_person(county), self.pick(_FIRM_OCCUPATIONS), org)

    # ------------------------------------------------------------------ clusters

    def firm(
        self,
        county: str,
        rep: int,
        *,
        established: int | None = None,
        capital: int | None = None,
        status: str = "active",
        supervisor: int | None = None,
    ) -> tuple[int, str]:
        """A plain firm of a cluster: legal rep as executive director, one supervisor."""
        established = established or self.since_age(8, date(1995, 1, 1))
        name = self.company_name(county)
        capital = capital or self.capital(300, 1.2)
        org = self.register("enterprise", county, name, established, capital, status=status)
        self.legal_rep(rep, org, established)
        self.officer(rep, org, "executive_director")
        self.officer(self.someone(county) if supervisor is None else supervisor, org, "supervisor")
        return org, name

    def family_cluster(self) -> None:
        """A controller, spouse and same-surname relatives around a holding firm."""
        rng = self.rng
        county = self.county()
        surname = self.surname()
        controller = self.new_person(county, surname, keyed=False)
        spouse = self.new_person(county)
        relatives = [self.new_person(county, surname) for _ in range(rng.randint(2, 4))]
        holding, _ = self.firm(
            county, controller, capital=self.capital(3000, 1.0), supervisor=spouse
        )
        self.officer(relatives[0], holding, "director")
        for person, points in ((controller, 6000), (spouse, 2000), (relatives[0], 2000)):
            self.person_stake(person, holding, points)
        units = [self.family_unit(county, holding, relative, spouse) for relative in relatives]
        target = self.pick(units)
        subject: Subject = (self.usccs[target], "", "")
        court_or_environment = self.pick(
            (self.courts[self.home.code], self.by_code[f"{self.home.abbr}-STHJT"])
        )
        decided = self.decided_after(self.established[target])
        if decided is not None:
            category = court_or_environment.spec.categories[0]
            self.record(subject, court_or_environment, "black", category, "severe", decided, county)
        if rng.random() < 0.5:
            self.judgment_debtor(controller, county, self.established[holding])

    def family_unit(self, county: str, holding: int, relative: int, spouse: int) -> int:
        unit, _ = self.firm(county, relative, supervisor=spouse)
        points = self.rng.randint(5100, 10000)
        self.org_stake(holding, unit, points)
        self.parent[unit] = holding
        if points < 10000:
            self.person_stake(relative, unit, 10000 - points)
        return unit

    def shell_cluster(self) -> None:
        """A nominee legal rep of many small firms in one county, set up after the real
        boss's firm was blacklisted for tax fraud."""
        rng = self.rng
        county = self.county()
        surname = self.surname()
        boss = self.new_person(county, surname, keyed=False)
        relative = self.new_person(county, surname)
        nominee = self.new_person(county, keyed=rng.random() < 0.3)
        origin, _ = self.firm(county, boss, status=self.pick(("revoked", "active")))
        self.person_stake(boss, origin, 10000)
        decided = self.decided_after(self.established[origin])
        if decided is None:
            return
        tax = self.by_code[f"{self.home.abbr}-SWJ"]
        for subject in ((self.usccs[origin], "", ""), self.person_subject(boss)):
            self.record(subject, tax, "black", "tax", "severe", decided, county)
        for _ in range(rng.randint(4, 10)):
            established = rng.randint(decided, min(decided + 90, self.as_of - 1))
            status = "revoked" if rng.random() < 0.3 else "active"
            shell, _ = self.firm(
                county, nominee, established=established, capital=self.capital(30, 0.6),
                status=status, supervisor=relative,
            )  # fmt: skip
            self.person_stake(nominee, shell, 10000)
            if rng.random() < 0.4:
                self.sanction((self.usccs[shell], "", ""), county, established, self.home_weights)

    def pyramid_cluster(self) -> None:
        rng = self.rng
        depth = rng.randint(2, 4)
        chain = [rng.randint(5100, 10000) for _ in range(depth)]
        self.pyramid(self.county(), chain, 9000, listed=rng.random() < 0.5)

    def pyramid(
        self, county: str, chain: Sequence[int], controller_points: int, *, listed: bool
    ) -> int:
        """A controller's root firm over a chain of subsidiaries holding ``chain`` points.

        Returns the root, whose shares the controller does not hold are not yet allocated.
        """
        controller = self.new_person(county, keyed=False)
        # The root of a group is typically a joint-stock company with a full board.
        established = self.since_age(12, date(1993, 1, 1))
        name = self.company_name(county, joint_stock=True)
        capital = self.capital(20000, 1.0)
        code = self.stock_code() if listed else ""
        root = self.register("enterprise", county, name, established, capital, stock_code=code)
        self.legal_rep(controller, root, established)
        self.large_board(root, controller, county, joint_stock=True, listed=bool(code))
        self.person_stake(controller, root, controller_points)
        self.join_pool(root, 2)
        top = root
        for points in chain:
            subsidiary, _ = self.firm(county, self.new_person(county))
            self.org_stake(top, subsidiary, points)
            self.parent[subsidiary] = top
            self.join_pool(subsidiary, 1)
            top = subsidiary
        return root

    def cycle(self, county: str | None = None, ring: Sequence[int] = ()) -> None:
        """Firms each holding ``ring[i]`` points of the next one, the last the first."""
        rng = self.rng
        county = county or self.county()
        ring = ring or [rng.randint(1000, 6000) for _ in range(rng.randint(2, 3))]
        firms = [self.firm(county, self.new_person(county))[0] for _ in ring]
        for i, points in enumerate(ring):
            held = firms[(i + 1) % len(firms)]
            self.org_stake(firms[i], held, points)
            self.person_stake(self.new_person(county), held, 10000 - ring[i])

    # ------------------------------------------------------------------ showcase

    def showcase(self) -> None:
        """The tricky-but-valid cases of the module docstring, in that order."""
        county = self.county()
        top = self.pyramid(county, (10000, 7000, 6000, 5100), 9000, listed=True)
        self.org_stake(self.hubs[self.home.code + "0000"], top, 1000)
        self.officer(self.new_person(county), top, "honorary_chairman")
        self.cycle(county, (6000, 7000, 2000))
        self.cycle(county, (3000, 1500))
        self.sanctioned_with_director_elsewhere(county)
        established = self.as_of - 6 * _YEAR  # well before the records below
        without_id, _ = self.firm(
            county, self.new_person(county, keyed=True), established=established
        )
        self.fixed_record(without_id, "STHJT", "environment", "severe", 200, "active")
        for suffix, category, level, days, status in (
            ("SCJGJ", "product_quality", "severe", 200, "under_objection"),
            ("JRJGJ", "finance", "severe", 200, "revoked"),
            ("RSHT", "labour", "serious", 400, "repaired"),
            ("YJGLT", "safety", "severe", 4 * _YEAR, "expired"),
        ):
            firm, _ = self.firm(county, self.new_person(county), established=established)
            self.fixed_record(firm, suffix, category, level, days, status)

    def fixed_record(
        self, org: int, suffix: str, category: str, level: str, days_ago: int, status: str
    ) -> None:
        """A black record of a home department, decided ``days_ago``, in a fixed status."""
        department = self.by_code[f"{self.home.abbr}-{suffix}"]
        subject: Subject = (self.usccs[org], "", "")
        county = self.county()
        decided = self.as_of - days_ago
        self.record(subject, department, "black", category, level, decided, county, status)

    def sanctioned_with_director_elsewhere(self, county: str) -> None:
        rep = self.new_person(county, keyed=False)
        firm, name = self.firm(county, rep, established=self.as_of - 8 * _YEAR, capital=20000)
        self.org_stake(self.hubs[self.home.code + "0000"], firm, 5100)
        self.person_stake(rep, firm, 4900)
        self.fixed_record(firm, _COURT, "judgment_debtor", "severe", 200, "active")
        tax = self.by_code[f"{self.home.abbr}-SWJ"]
        subject: Subject = (self.usccs[firm], "", "")
        self.record(subject, tax, "focus", "tax", "serious", self.as_of - 100, county, "active")
        self.branches(firm, name, county, 1)
        subsidiary, _ = self.firm(county, self.new_person(county))
        self.org_stake(firm, subsidiary, 8000)
        self.parent[subsidiary] = firm
        elsewhere, _ = self.firm(county, self.new_person(county))
        self.officer(rep, elsewhere, "director")
        self.person_stake(rep, elsewhere, 3000)


def generate_province(
    out_dir: Path,
    orgs: int,
    seed: int,
    province: str = "32",
    partner_share: float = 0.05,
    as_of: date = date(2026, 11, 1),
) -> dict[str, int]:
    """Write the canonical CSV files of a synthetic province; return rows written per kind.

    Parameters
    ----------
    out_dir
        Directory for ``<kind>.csv`` (created; existing files are overwritten).
    orgs
        Number of organisations, exactly. Below 100 the showcase cases are left out, and
        there are ``orgs // 20`` hubs up to 5.
    seed
        The same seed (and other arguments) gives byte-identical files.
    province
        Home province: ``32`` (Jiangsu), ``31``, ``33`` or ``34``; the others are partners.
    partner_share
        Share of ordinary organisations registered in the partner provinces.
    as_of
        Reference date: establishment and decisions lie before it, publication windows
        around it.

    Rows are streamed; memory grows by under 100 bytes per organisation.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     counts = generate_province(Path(out), orgs=200, seed=1)
    >>> counts["organizations"], counts["departments"]
    (200, 25)
    """
    if orgs < 1:
        raise ValueError(f"orgs must be positive, got {orgs}")
    if province not in _ECONOMY:
        raise ValueError(f"province must be one of {sorted(_ECONOMY)}, got {province!r}")
    if not 0 <= partner_share <= 1:
        raise ValueError(f"partner_share must be in [0, 1], got {partner_share}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        sink = _Sink(out_dir, stack)
        _Synthesizer(sink, Random(seed), province, as_of, partner_share).run(orgs)
    return sink.counts
