"""A stock exchange's top-10 shareholder export, as it is sent, loads through a mapping into
a real Neo4j: codes like ``000008.SZ``, periods like ``20171231``, ratios in percent, holders
that are persons or organisations by a column, names joined from a lookup file and nested
JSON. A mapping that does not fit the files stops the load before anything is written."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import main
from graph.propagation.rules import load_rules
from graph.settings import Settings
from graph.store.repository import Repository
from loaders.load_report import LoadReport
from loaders.mapping import load_mapping
from loaders.pipeline import LoadError, load_paths
from tests.conftest import TEST_SECRETS
from tests.utils.canonical import uscc

MAPPING = r"""
source: szse-top10
files:
  公司.csv:
    outputs:
      - kind: organizations
        columns:
          uscc: {template: "listed:{证券代码}", replace: {'\.(?:SZ|SH|BJ)$': ''}}
          stock_code: {column: 证券代码, extract: '^(\d{6})\.'}
          name: 名称
  法人股东.jsonl:
    ignore: [tags]
    outputs:
      - kind: organizations
        columns:
          uscc: id.uscc
          name: names.zh
          established_on: {column: id.registered, date: "%d.%m.%y", pivot: 1950}
  "top10*.csv":
    join:
      firm: {file: 公司.csv, key: {证券代码: 证券代码}}
    outputs:
      - kind: persons
        where: {column: 股东类型, equals: 自然人}
        columns:
          # A person holder is known by name and the company they hold (LAYOUTS.md, "Keys").
          person_key: &holder {template: "name={股东名称};org=name:CN:{firm.名称}"}
          name: 股东名称
      - kind: shareholdings
        where: {column: 股东类型, equals: 自然人}
        columns:
          holder_person_key: *holder
          uscc: &listed {template: "listed:{证券代码}", extract: '^(listed:\d{6})\.(?:SZ|SH)$'}
          ratio: &ratio {column: 持股比例, unit: percent}
          since: &since {column: 报告期, date: "%Y%m%d"}
      - kind: shareholdings
        where: {not: {column: 股东类型, equals: 自然人}}
        columns:
          holder_uscc: 股东代码
          uscc: *listed
          ratio: *ratio
          since: *since
"""


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def export(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "公司.csv", ["证券代码", "名称"], [["000008.SZ", "神州高铁"]])
    holder = {"id": {"uscc": uscc(90), "registered": "02.12.98"},
              "names": {"zh": "某投资有限公司"}, "tags": ["国有"]}  # fmt: skip
    (directory / "法人股东.jsonl").write_text(json.dumps(holder, ensure_ascii=False) + "\n")
    write_csv(
        directory / "top10-2017.csv",
        ["证券代码", "股东名称", "股东类型", "股东代码", "持股比例", "报告期"],
        [
            ["000008.SZ", "张三", "自然人", "", "0.46", "20171231"],
            ["000008.SZ", "某投资有限公司", "境内法人", uscc(90), "52.1", "20171231"],
            ["000008.SZ", "李四", "自然人", "", "146", "20171231"],
        ],
    )
    return directory


def load(
    repo: Repository, settings: Settings, tmp_path: Path, mapping: str, **kw: Any
) -> LoadReport:
    path = tmp_path / "mapping.yaml"
    path.write_text(mapping, encoding="utf-8")
    return load_paths(
        repo, settings, [tmp_path / "export"], mapping=load_mapping(path),
        rejects_path=tmp_path / "rejects.csv", progress=False, rules=load_rules(), **kw,
    )  # fmt: skip


def test_an_exchange_export_loads_unedited(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    export(tmp_path / "export")
    load(repo, settings, tmp_path, MAPPING)
    holdings = repo.read(
        "MATCH (h:Subject)-[s:SHAREHOLDER_OF]->(o:Organization) "
        "RETURN [x IN labels(h) WHERE x <> 'Subject'][0] AS label, h.name AS holder, "
        "o.uscc AS org, s.ratio AS ratio, "
        "toString(s.since) AS since ORDER BY ratio DESC"
    )
    assert holdings == [
        {"label": "Organization", "holder": "某投资有限公司", "org": "listed:000008.SZ",
         "ratio": pytest.approx(0.521), "since": "2017-12-31"},
        {"label": "Person", "holder": "张三", "org": "listed:000008.SZ",
         "ratio": pytest.approx(0.0046), "since": "2017-12-31"},
    ]  # fmt: skip
    assert repo.read_one(
        "MATCH (o:Organization {uscc: $u}) RETURN toString(o.established_on) AS on", u=uscc(90)
    ) == {"on": "1998-12-02"}
    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig") as f:
        rejected = [(r["row"], r["kind"], r["field"], r["reason"]) for r in csv.DictReader(f)]
    # 146 % is not a share: rejected with its reason, not read as 146 or as 1.46.
    assert rejected == [("4", "shareholdings", "ratio", "out_of_range")]
    # 李四 the person is loaded; only the impossible holding is not.
    assert repo.read_one("MATCH (p:Person) RETURN count(p) AS n") == {"n": 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("ignore: [tags]", "ignore: []"),
         "法人股东.jsonl: column(s) the mapping neither reads nor ignores: tags.0"),
        (("files:\n", "files:\n  top10-2017.csv: {outputs: [{kind: departments, columns: "
                       "{code: a, name: b, province: c}}]}\n"),
         "top10-2017.csv matches several entries"),
        (("key: {证券代码: 证券代码}}", "key: {证券代码: 证券代码}, max_rows: 0}"), "`max_rows`"),
    ],
)  # fmt: skip
def test_a_mapping_that_does_not_fit_stops_the_load(
    repo: Repository, settings: Settings, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    export(tmp_path / "export")
    old, new = change
    assert old in MAPPING
    with pytest.raises((LoadError, ValueError), match=re.escape(message)):
        load(repo, settings, tmp_path, MAPPING.replace(old, new, 1))
    assert repo.read_one("MATCH (n:Subject) RETURN count(n) AS n") == {"n": 0}


def test_a_join_larger_than_a_lookup_table_is_refused(
    repo: Repository, settings: Settings, tmp_path: Path
) -> None:
    directory = export(tmp_path / "export")
    write_csv(
        directory / "公司.csv",
        ["证券代码", "名称"],
        [["000008.SZ", "神州高铁"], ["600000.SH", "浦发银行"]],
    )
    mapping = MAPPING.replace(
        "key: {证券代码: 证券代码}}", "key: {证券代码: 证券代码}, max_rows: 1}"
    )
    with pytest.raises(LoadError, match=r"公司\.csv: more than 1 rows: too large for a join"):
        load(repo, settings, tmp_path, mapping)
    assert repo.read_one("MATCH (n:Subject) RETURN count(n) AS n") == {"n": 0}


def test_load_exits_non_zero_when_a_file_loses_too_many_rows(
    repo: Repository,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    export(tmp_path / "export")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    for name, value in {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": TEST_SECRETS["neo4j_password"],
        "CREDIT_GRAPH_PID_KEY": TEST_SECRETS["pid_key"],
        "CREDIT_GRAPH_ENVIRONMENT": "test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    command = ["load", str(tmp_path / "export"), "--mapping", str(tmp_path / "mapping.yaml")]
    # One holding of three rejected: by default only a file losing every row fails.
    passed = CliRunner().invoke(main, command)
    assert passed.exit_code == 0, passed.output
    assert "top10-2017.csv (shareholdings): 1 of 3 (33.3%); ratio out_of_range ×1" in passed.output
    # The organisation holder is no person: a choice of the mapping, shown, not a loss. The two
    # shareholdings outputs take every row between them, so none is left out of that kind.
    assert "top10-2017.csv (persons): 0 of 2 (0.0%); 1 rows left out by `where`" in passed.output
    assert "(shareholdings): 1 of 3 (33.3%); ratio out_of_range ×1\n" in passed.output
    failed = CliRunner().invoke(main, [*command, "--max-rejected-share", "0.2"])
    assert failed.exit_code == 1, failed.output
    assert (
        "files lost too many rows:\n  top10-2017.csv (shareholdings): 1 of 3 rows rejected "
        "(ratio out_of_range ×1)" in failed.output
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_unknown_column_of_a_canonical_file_stops_the_load(
    repo: Repository, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    rows = [{"code": "JS-1", "name": "市场监管局", "province": "32", "remark": "x"}]
    directory = tmp_path / "js"
    directory.mkdir()
    path = directory / f"departments.{fmt}"
    if fmt == "csv":
        write_csv(path, list(rows[0]), [list(rows[0].values())])
    else:
        path.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match=rf"departments\.{fmt}: column\(s\) departments does not"):
        load_paths(
            repo, settings, [directory], rejects_path=tmp_path / "r.csv", progress=False,
            rules=load_rules(),
        )  # fmt: skip
    assert repo.read_one("MATCH (d:Department) RETURN count(d) AS n") == {"n": 0}
