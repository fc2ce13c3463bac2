"""Mappings: a department's layout in YAML becomes canonical rows; a bad mapping says where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.ingest.layouts import Kind
from loaders.mapping import Mapping, MappingError, load_mapping, parse_mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "loaders" / "mappings"

# A market-regulation export with Chinese headers, as departments send them.
DEPARTMENT = """
source: js-amr
files:
  "企业名录*.csv":
    prepare:
      统一社会信用代码: {missing: ["无", "-"]}
      证券代码: {zfill: 6}
    outputs:
      - kind: organizations
        columns:
          uscc: 统一社会信用代码
          name: 企业名称
          kind: {value: enterprise}
          hub: {column: 是否国资平台, map: {是: true, 否: false}}
          stock_code: 证券代码
      - kind: officers
        columns:
          person_key: {template: "{姓名}-{工号}"}
          uscc: 统一社会信用代码
          role:
            column: 职务
            split: "、"
            map: {董事长: chairman, 董事: director, 董事局主席: chairman}
"""


def parse(text: str) -> Mapping:
    return parse_mapping(yaml.safe_load(text), text, origin="test.yaml")


def test_one_source_row_becomes_rows_of_several_kinds() -> None:
    mapping = parse(DEPARTMENT)
    entry = mapping.for_file(Path("企业名录2025.csv"))
    assert entry is not None
    source = {
        "统一社会信用代码": "91320214745555318W",
        "企业名称": "无锡某某有限公司",
        "是否国资平台": "否",
        "证券代码": "2658",
        "姓名": "李四",
        "工号": "17",
        "职务": "董事长、董事、董事局主席",
    }
    organizations, officers = (out.rows(entry.prepared(source)) for out in entry.outputs)
    assert organizations == [
        {
            "uscc": "91320214745555318W",
            "name": "无锡某某有限公司",
            "kind": "enterprise",
            "hub": "false",
            "stock_code": "002658",
        }
    ]
    # 董事长 and 董事局主席 both map to chairman: one row per distinct post.
    assert officers == [
        {"person_key": "李四-17", "uscc": "91320214745555318W", "role": "chairman"},
        {"person_key": "李四-17", "uscc": "91320214745555318W", "role": "director"},
    ]


def test_placeholder_values_are_missing_and_templates_of_missing_values_too() -> None:
    entry = parse(DEPARTMENT).for_file(Path("企业名录.csv"))
    assert entry is not None
    source = {"统一社会信用代码": "-", "企业名称": "某店", "姓名": "王五", "职务": "董事"}
    organizations, officers = (out.rows(entry.prepared(source)) for out in entry.outputs)
    assert organizations[0]["uscc"] is None
    assert organizations[0]["stock_code"] is None
    assert officers == [{"person_key": None, "uscc": None, "role": "director"}]


def test_unmapped_values_pass_through_for_validation_to_name() -> None:
    entry = parse(DEPARTMENT).for_file(Path("企业名录.csv"))
    assert entry is not None
    _, officers = entry.outputs
    assert [r["role"] for r in officers.rows({"职务": "首席执行官"})] == ["首席执行官"]


def test_an_empty_split_still_yields_a_row() -> None:
    entry = parse(DEPARTMENT).for_file(Path("企业名录.csv"))
    assert entry is not None
    _, officers = entry.outputs
    assert officers.rows({"职务": None}) == [{"person_key": None, "uscc": None, "role": None}]
    assert officers.rows({"职务": "、"}) == [{"person_key": None, "uscc": None, "role": None}]


def test_files_match_by_glob_and_the_first_entry_wins() -> None:
    mapping = parse(DEPARTMENT)
    assert mapping.for_file(Path("/x/企业名录-苏州.csv")) is mapping.files[0]
    assert mapping.for_file(Path("处罚.csv")) is None


def test_reads_lists_the_source_columns_a_file_needs() -> None:
    entry = parse(DEPARTMENT).files[0]
    assert entry.reads == {
        "统一社会信用代码", "企业名称", "是否国资平台", "证券代码", "姓名", "工号", "职务",
    }  # fmt: skip


def test_digest_follows_the_text() -> None:
    assert parse(DEPARTMENT).digest != parse(DEPARTMENT + "\n# changed\n").digest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: organizations", "kind: companies"), "`kind` must be one of"),
        (("name: 企业名称", "title: 企业名称"), "organizations has no column 'title'"),
        (("          name: 企业名称\n", ""), "organizations needs a column name"),
        (("uscc: 统一社会信用代码\n          name", "uscc: {column: a, value: b}\n          name"),
         "exactly one of"),
        (('"{姓名}-{工号}"', '"{姓名:>6}"'), "plain {column} names"),
        (('"{姓名}-{工号}"}', '"{姓名}-{工号}", split: x}'), "at most one"),
        (("source: js-amr", "source: js-amr\nowner: me"), "unknown key"),
        (("{zfill: 6}", "{zfill: six}"), "`zfill` is a width"),
        (("source: js-amr\n", ""), "`source` is required"),
    ],
)  # fmt: skip
def test_mistakes_are_named(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in DEPARTMENT
    with pytest.raises(MappingError, match=message) as caught:
        parse(DEPARTMENT.replace(old, new, 1))
    assert str(caught.value).startswith("test.yaml")


def test_unreadable_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("files: [unclosed", encoding="utf-8")
    with pytest.raises(MappingError, match="cannot be read"):
        load_mapping(path)


def test_shipped_mappings_parse() -> None:
    for path in sorted(MAPPINGS.glob("*.yaml")):
        assert load_mapping(path).files, path


def test_ashare_mapping_on_an_invented_row() -> None:
    mapping = load_mapping(MAPPINGS / "cn-ashare-executives.yaml")
    stock = mapping.for_file(Path("stock.csv"))
    executives = mapping.for_file(Path("executive_prep.csv"))
    assert stock is not None and executives is not None
    [organization] = stock.outputs[0].rows(stock.prepared({"code": "1", "name": "某银行"}))
    assert organization == {
        "uscc": "listed:000001", "stock_code": "000001", "name": "某银行", "kind": "enterprise",
    }  # fmt: skip
    source = executives.prepared(
        {"name": "周某", "gender": "男", "age": "-1", "code": "2658", "jobs": "代董事长/董事"}
    )
    persons, officers = (o.rows(source) for o in executives.outputs)
    assert [o.kind for o in executives.outputs] == [Kind.PERSONS, Kind.OFFICERS]
    assert persons == [{"person_key": "周某|男|-1", "name": "周某"}]
    assert [(r["uscc"], r["role"]) for r in officers] == [
        ("listed:002658", "chairman"),
        ("listed:002658", "director"),
    ]
