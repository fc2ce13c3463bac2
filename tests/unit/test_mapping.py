"""Mappings: a department's layout in YAML becomes canonical rows; a bad mapping says where."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graph.ingest.layouts import Kind
from loaders.mapping import Mapping, MappingError, Output, load_mapping, parse_mapping
from loaders.readers import TextRow, flatten

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


def rows(output: Output, source: TextRow) -> list[TextRow]:
    """The canonical rows, asserting the mapping found nothing to reject."""
    mapped = output.rows(source)
    assert all(not m.errors for m in mapped), mapped
    return [m.row for m in mapped]


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
    organizations, officers = (rows(out, entry.prepared(source)) for out in entry.outputs)
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
    organizations, officers = (rows(out, entry.prepared(source)) for out in entry.outputs)
    assert organizations[0]["uscc"] is None
    assert organizations[0]["stock_code"] is None
    assert officers == [{"person_key": None, "uscc": None, "role": "director"}]


def test_unmapped_values_pass_through_for_validation_to_name() -> None:
    entry = parse(DEPARTMENT).for_file(Path("企业名录.csv"))
    assert entry is not None
    _, officers = entry.outputs
    assert [r["role"] for r in rows(officers, {"职务": "首席执行官"})] == ["首席执行官"]


def test_an_empty_split_still_yields_a_row() -> None:
    entry = parse(DEPARTMENT).for_file(Path("企业名录.csv"))
    assert entry is not None
    _, officers = entry.outputs
    assert rows(officers, {"职务": None}) == [{"person_key": None, "uscc": None, "role": None}]
    assert rows(officers, {"职务": "、"}) == [{"person_key": None, "uscc": None, "role": None}]


def test_files_match_by_glob() -> None:
    mapping = parse(DEPARTMENT)
    assert mapping.for_file(Path("/x/企业名录-苏州.csv")) is mapping.files[0]
    assert mapping.for_file(Path("处罚.csv")) is None


def test_two_entries_matching_one_file_is_an_error() -> None:
    text = (
        DEPARTMENT + '  "企业名录-苏州.csv":\n    outputs: [{kind: departments, columns: '
        "{code: a, name: b, province: c}}]\n"
    )
    mapping = parse(text)
    assert mapping.for_file(Path("企业名录.csv")) is mapping.files[0]
    with pytest.raises(
        MappingError, match=r"matches several entries: '企业名录\*\.csv', '企业名录-苏州\.csv'"
    ):
        mapping.for_file(Path("企业名录-苏州.csv"))


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
    [organization] = rows(stock.outputs[0], stock.prepared({"code": "1", "name": "某银行"}))
    assert organization == {
        "uscc": "listed:000001", "stock_code": "000001", "name": "某银行", "kind": "enterprise",
    }  # fmt: skip
    source = executives.prepared(
        {"name": "周某", "gender": "男", "age": "-1", "code": "2658", "jobs": "代董事长/董事"}
    )
    persons, officers = (rows(o, source) for o in executives.outputs)
    assert [o.kind for o in executives.outputs] == [Kind.PERSONS, Kind.OFFICERS]
    # An age of -1 is unknown: the key is the name and the gender.
    assert persons == [{"person_key": "name=周某;gender=男", "name": "周某"}]
    assert [(r["uscc"], r["role"]) for r in officers] == [
        ("listed:002658", "chairman"),
        ("listed:002658", "director"),
    ]
    aged = executives.prepared({"name": "周某", "gender": "女", "age": "58", "code": "1"})
    assert rows(executives.outputs[0], aged)[0]["person_key"] == "name=周某;gender=女;born=1960"
    # Neither gender nor age: the name alone tells no one apart, the company joins the key.
    unknown = executives.prepared({"name": "周某", "gender": "null", "age": "-1", "code": "1"})
    assert rows(executives.outputs[0], unknown)[0]["person_key"] == "name=周某;org=listed:000001"


PERSON_KEY = """
source: court
files:
  被执行人.csv:
    outputs:
      - kind: persons
        columns:
          name: 姓名
          person_key:
            person_key:
              name: 姓名
              gender: {column: 性别, map: {1: m, 2: f}}
              born: {column: 年龄, age_in: 2019}
            fallback:
              org: {template: "name:CN:{单位}"}
"""


def test_a_person_key_is_built_from_columns_with_a_fallback() -> None:
    [output] = parse(PERSON_KEY).files[0].outputs
    row = {"姓名": "王五", "性别": "1", "年龄": "40", "单位": "某公司"}
    assert rows(output, row)[0]["person_key"] == "name=王五;gender=m;born=1979"
    alone = {"姓名": "王五", "性别": None, "年龄": None, "单位": "某公司"}
    assert rows(output, alone)[0]["person_key"] == "name=王五;org=name:CN:某公司"
    assert rows(output, {**alone, "姓名": None})[0]["person_key"] is None  # validation names it
    [bad] = output.rows({**row, "年龄": "四十"})
    assert [(e.field, e.reason) for e in bad.errors] == [("person_key", "number")]
    [old] = output.rows({**row, "年龄": "200"})
    assert [(e.field, e.reason) for e in old.errors] == [("person_key", "out_of_range")]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("              name: 姓名\n              gender", "              gender", "`name` part"),
        ("born: {", "age: {", "person key parts are"),
        ("age_in: 2019", "age_in: 19", "`age_in` is the year"),
        ("age_in: 2019", "age_in: 2019, date: '%Y'", "one conversion"),
        ("            fallback:", "            other:", "unknown key"),
    ],
)
def test_person_key_mistakes_are_named(old: str, new: str, message: str) -> None:
    assert old in PERSON_KEY, old
    with pytest.raises(MappingError, match=message):
        parse(PERSON_KEY.replace(old, new, 1))


# --------------------------------------------------------------------------- real exports

# A stock exchange's top-10 shareholder export: codes as `000008.SZ`, periods as 20171231,
# ratios in percent, a holder type deciding person or organisation.
EXCHANGE = r"""
source: szse-top10
files:
  "top10*.csv":
    ignore: [备注]
    join:
      firm: {file: 公司.csv, key: {证券代码: code}}
    outputs:
      - kind: shareholdings
        where: {column: 股东类型, equals: 自然人}
        columns:
          holder_person_key: {template: "{股东名称}|{firm.name}"}
          uscc: {column: 证券代码, extract: '^(\d{6})\.(?:SZ|SH|BJ)$', replace: {'\s+': ''}}
          ratio: {column: 持股比例, unit: percent}
          since: {column: 报告期, date: "%Y%m%d"}
      - kind: shareholdings
        where: {not: {column: 股东类型, equals: 自然人}}
        columns:
          holder_uscc: 股东代码
          uscc: {column: 证券代码, extract: '^(\d{6})\.'}
          ratio: {column: 持股比例, unit: percent}
          until: {column: 截止, date: ["%d.%m.%Y", "%d.%m.%y"], pivot: 1950}
"""


def exchange() -> tuple[Output, Output]:
    entry = parse(EXCHANGE).files[0]
    person, organisation = entry.outputs
    return person, organisation


def test_dates_convert_by_the_declared_formats_and_pivot() -> None:
    _, organisation = exchange()
    for written, iso in [("02.12.2019", "2019-12-02"), ("02.12.19", "2019-12-02"),
                         ("02.12.51", "1951-12-02"), ("02.12.49", "2049-12-02")]:  # fmt: skip
        [row] = rows(organisation, {"截止": written, "持股比例": "1"})
        assert row["until"] == iso
    [mapped] = organisation.rows({"截止": "2019-12-02", "持股比例": "1"})
    assert mapped.row["until"] is None
    assert [(e.field, e.reason) for e in mapped.errors] == [("until", "date")]
    assert "'2019-12-02' is not a date of the form %d.%m.%Y or %d.%m.%y" in mapped.errors[0].message


def test_percent_and_fraction_are_declared_and_out_of_range_is_rejected() -> None:
    _, holder = exchange()
    assert rows(holder, {"持股比例": "0.46"})[0]["ratio"] == "0.0046"
    assert rows(holder, {"持股比例": "46 %"})[0]["ratio"] == "0.46"
    [mapped] = holder.rows({"持股比例": "146"})
    assert [(e.field, e.reason) for e in mapped.errors] == [("ratio", "out_of_range")]
    assert "'146' is not a percent in [0, 100]" in mapped.errors[0].message
    fraction = parse(EXCHANGE.replace("unit: percent", "unit: fraction")).files[0].outputs[1]
    assert rows(fraction, {"持股比例": "0.46"})[0]["ratio"] == "0.46"
    [wrong] = fraction.rows({"持股比例": "46%"})
    assert [e.reason for e in wrong.errors] == ["number"]


def test_regular_expressions_substitute_then_extract() -> None:
    person, organisation = exchange()
    assert rows(person, {"股东类型": "自然人", "证券代码": " 000 008.SZ"})[0]["uscc"] == "000008"
    [mapped] = organisation.rows({"证券代码": "HK0005"})
    assert [(e.field, e.reason) for e in mapped.errors] == [("uscc", "no_match")]
    optional = parse(EXCHANGE.replace("'^(\\d{6})\\.'", "'^(\\d{6})?\\.'")).files[0].outputs[1]
    assert rows(optional, {"证券代码": ".SZ", "持股比例": "1"})[0]["uscc"] is None


def test_where_chooses_the_output_per_row() -> None:
    person, organisation = exchange()
    holder = {"股东类型": "自然人", "股东名称": "张三", "firm.name": "某公司", "股东代码": None}
    assert [r["holder_person_key"] for r in rows(person, holder)] == ["张三|某公司"]
    assert rows(organisation, holder) == []
    company = {**holder, "股东类型": "境内法人", "股东代码": "91320214745555318W"}
    assert rows(person, company) == []
    assert [r["holder_uscc"] for r in rows(organisation, company)] == ["91320214745555318W"]


@pytest.mark.parametrize(
    ("condition", "row", "taken"),
    [
        ({"column": "a", "in": ["x", 1]}, {"a": "1"}, True),
        ({"column": "a", "matches": "公司|基金"}, {"a": "某某基金"}, True),
        ({"column": "a", "matches": "公司"}, {"a": None}, False),
        ({"column": "a", "present": False}, {"a": None}, True),
        ({"all": [{"column": "a", "present": True}, {"column": "b", "equals": "y"}]},
         {"a": "1", "b": "n"}, False),
        ({"any": [{"column": "a", "present": True}, {"column": "b", "equals": "y"}]},
         {"a": None, "b": "y"}, True),
    ],
)  # fmt: skip
def test_where_conditions(condition: dict[str, object], row: TextRow, taken: bool) -> None:
    spec = {"source": "s", "files": {"f.csv": {"outputs": [{
        "kind": "departments", "where": condition,
        "columns": {"code": {"value": "c"}, "name": {"value": "n"}, "province": {"value": "32"}},
    }]}}}  # fmt: skip
    [output] = parse_mapping(spec, "").files[0].outputs
    assert bool(output.rows(row)) is taken
    assert output.reads == {c for c in ("a", "b") if c in str(condition)}


def test_a_join_adds_the_lookup_row_and_reads_lists_what_each_file_needs() -> None:
    entry = parse(EXCHANGE).files[0]
    [join] = entry.joins
    assert (join.alias, join.file, join.left, join.right) == (
        "firm",
        "公司.csv",
        "证券代码",
        "code",
    )
    assert entry.join_reads(join) == {"code", "name"}
    assert "firm.name" not in entry.own_reads and "证券代码" in entry.own_reads
    lookups = {"firm": {"000008.SZ": {"code": "000008.SZ", "name": "神州高铁"}}}
    assert entry.prepared({"证券代码": "000008.SZ"}, lookups)["firm.name"] == "神州高铁"
    assert entry.prepared({"证券代码": "600000.SH"}, lookups)["firm.name"] is None


def test_unknown_columns_are_those_neither_read_nor_ignored() -> None:
    entry = parse(EXCHANGE).files[0]
    columns = {"证券代码", "股东类型", "股东名称", "股东代码", "持股比例", "报告期", "截止", "备注"}
    assert entry.unknown(columns) == []
    assert entry.unknown(columns | {"新列", "备注.0"}) == ["新列"]


def test_nested_json_is_addressed_by_dotted_paths() -> None:
    flat = dict(flatten({"id": 7, "properties": {"name": ["甲", "乙"], "country": []}}))
    assert flat == {"id": "7", "properties.name.0": "甲", "properties.name.1": "乙",
                    "properties.country": None}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unit: percent}\n          since", "}\n          since"),
        ('date: "%Y%m%d"', 'date: "%Y%m%d", pivot: 1950'),
        ("pivot: 1950", "pivot: null"),
        ("extract: '^(\\d{6})\\.'", "extract: '('"),
        ("where: {column: 股东类型, equals: 自然人}", "where: {column: 股东类型, like: 自然人}"),
        ("unit: percent}\n          since", "unit: per_mille}\n          since"),
        ("key: {证券代码: code}", "on: {证券代码: code, b: c}"),
    ],
)
def test_mistakes_in_the_new_features_are_named(change: str, message: str) -> None:
    old, new = change, message
    assert old in EXCHANGE, old
    with pytest.raises(MappingError, match=r"^test\.yaml: files\.top10\*\.csv"):
        parse(EXCHANGE.replace(old, new, 1))
