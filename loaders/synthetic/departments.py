"""The departments that issue records: who decides which categories, and how often."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from loaders.synthetic.geography import Province
from loaders.synthetic.sampling import Weighted


@dataclass(frozen=True)
class DepartmentSpec:
    suffix: str  # department code is "<province abbr>-<suffix>"
    name: str  # {p}: province name; {customs}: customs district
    municipal_name: str  # Shanghai's bureau, where it is named differently; "" = same
    doc: str  # abbreviation in document numbers: 苏市监罚〔2024〕12号
    categories: tuple[str, ...]  # black/focus categories it decides
    weight: float  # its share of organisations' black/focus records
    honours: bool  # keeps a red list too


_DEPARTMENT_SPECS: Final = (
    DepartmentSpec("FGW", "{p}发展和改革委员会", "", "发改", ("other",), 0.02, True),
    DepartmentSpec(
        "SCJGJ", "{p}市场监督管理局", "", "市监",
        ("product_quality", "contract", "food_drug", "intellectual_property", "other"),
        0.22, True,
    ),
    DepartmentSpec("SWJ", "国家税务总局{p}税务局", "", "税", ("tax",), 0.15, True),
    DepartmentSpec("STHJT", "{p}生态环境厅", "{p}生态环境局", "环", ("environment",), 0.08, False),
    DepartmentSpec("GYFY", "{p}高级人民法院", "", "", ("judgment_debtor",), 0.27, False),
    DepartmentSpec("YJJ", "{p}药品监督管理局", "", "药监", ("food_drug",), 0.05, False),
    DepartmentSpec(
        "RSHT", "{p}人力资源和社会保障厅", "{p}人力资源和社会保障局", "人社", ("labour",),
        0.06, True,
    ),
    DepartmentSpec("YJGLT", "{p}应急管理厅", "{p}应急管理局", "应急", ("safety",), 0.05, False),
    DepartmentSpec("JRJGJ", "{p}地方金融监督管理局", "", "金融", ("finance",), 0.03, False),
    DepartmentSpec(
        "ZSCQJ", "{p}知识产权局", "", "知", ("intellectual_property",), 0.02, False
    ),
    DepartmentSpec(
        "ZJT", "{p}住房和城乡建设厅", "{p}住房和城乡建设管理委员会", "建",
        ("contract", "safety"), 0.03, False,
    ),
    DepartmentSpec(
        "JTYST", "{p}交通运输厅", "{p}交通委员会", "交", ("safety", "other"), 0.02, False
    ),
    DepartmentSpec(
        "WHHLYT", "{p}文化和旅游厅", "{p}文化和旅游局", "文旅", ("other",), 0.01, False
    ),
    DepartmentSpec("SWT", "{p}商务厅", "{p}商务委员会", "商", ("contract", "other"), 0.01, False),
    DepartmentSpec("CZT", "{p}财政厅", "{p}财政局", "财", ("finance", "other"), 0.02, False),
    DepartmentSpec("HG", "{customs}", "", "关", ("tax", "other"), 0.01, True),
)  # fmt: skip
# Partner provinces appear through the departments that share most (信用长三角 lead fields).
PARTNER_SUFFIXES: Final = ("SCJGJ", "GYFY", "STHJT")
COURT: Final = "GYFY"


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    province: Province
    spec: DepartmentSpec


def departments_of(province: Province, suffixes: Sequence[str] | None) -> list[Department]:
    out = []
    for spec in _DEPARTMENT_SPECS:
        if suffixes is not None and spec.suffix not in suffixes:
            continue
        template = (
            spec.municipal_name if province.municipality and spec.municipal_name else spec.name
        )
        name = template.format(p=province.name, customs=province.customs)
        out.append(Department(f"{province.abbr}-{spec.suffix}", name, province, spec))
    return out


def weighted_departments(departments: Sequence[Department]) -> Weighted[Department]:
    return Weighted([(d, d.spec.weight) for d in departments])
