"""Readers: every format gives the same text rows; a file that cannot be parsed says where."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from loaders.readers import SURPLUS, UnreadableFile, detect_encoding, open_table, text

HEADER = "code,name,province\n"
BODY = "JS-SCJGJ,江苏省市场监督管理局,32\n000001, 平安银行 ,\n"
EXPECTED = [
    (2, {"code": "JS-SCJGJ", "name": "江苏省市场监督管理局", "province": "32"}),
    (3, {"code": "000001", "name": "平安银行", "province": None}),
]


def rows(path: Path) -> list[tuple[int, dict[str, str | None]]]:
    return list(open_table(path).rows())


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
    ],
)
def test_csv_encodings_read_alike(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "departments.csv"
    path.write_bytes((HEADER + BODY).encode(encoding))
    assert detect_encoding(path) == detected
    assert rows(path) == EXPECTED


def test_csv_detects_gb18030_late_in_the_file(tmp_path: Path) -> None:
    # The first megabyte is plain ASCII; the GBK text comes after it.
    path = tmp_path / "departments.csv"
    filler = "".join(f"D{i},dept {i},32\n" for i in range(60_000))
    path.write_bytes((HEADER + filler + "JS-X,南京市,32\n").encode("gbk"))
    table = open_table(path)
    assert table.encoding == "gb18030"
    assert list(table.rows())[-1][1]["name"] == "南京市"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@pytest.mark.parametrize("records", [1, 2, 3, 7, 100])
def test_csv_spans_read_as_the_whole_file(tmp_path: Path, encoding: str, records: int) -> None:
    # What the initial load hands its workers: spans read alone give the file's rows, with
    # its numbers, across quoted line breaks, doubled quotes, blank lines and surplus cells.
    lines = [HEADER]
    for i in range(23):
        if i % 5 == 0:
            lines.append(f'"D{i}","多行\r\n名称 {i}",32\r\n')
        elif i % 7 == 0:
            lines.append(",,\r\n")
        elif i % 11 == 0:
            lines.append(f"D{i},x,32,surplus\n")
        else:
            lines.append(f'D{i},"引号""{i}""",32\n')
    path = tmp_path / "departments.csv"
    path.write_bytes("".join(lines).encode(encoding))
    table = open_table(path)
    spans = table.spans(records)
    assert spans is not None
    assert [row for span in spans for row in table.rows_of(span)] == list(table.rows())
    assert table.count() == len(list(table.rows()))


def test_only_csv_is_cut_into_spans(tmp_path: Path) -> None:
    path = tmp_path / "departments.jsonl"
    path.write_text(json.dumps({"code": "A"}) + "\n", encoding="utf-8")
    assert open_table(path).spans(10) is None


def test_csv_keeps_text_as_written(tmp_path: Path) -> None:
    path = tmp_path / "organizations.csv"
    path.write_text("uscc,registered_capital\n0001,1e3\n", encoding="utf-8")
    assert rows(path) == [(2, {"uscc": "0001", "registered_capital": "1e3"})]


def test_csv_blank_lines_skipped_and_numbered_as_lines(tmp_path: Path) -> None:
    path = tmp_path / "departments.csv"
    path.write_text(HEADER + "\nA,a,32\n", encoding="utf-8")
    assert rows(path) == [(3, {"code": "A", "name": "a", "province": "32"})]


def test_csv_short_rows_and_trailing_empty_fields_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "departments.csv"
    path.write_text(HEADER + "A,a\nB,b,32,,\n", encoding="utf-8")
    assert rows(path) == [
        (2, {"code": "A", "name": "a"}),
        (3, {"code": "B", "name": "b", "province": "32"}),
    ]


def test_csv_surplus_fields_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "departments.csv"
    path.write_text(HEADER + "A,a,32,oops,more\n", encoding="utf-8")
    [(_, row)] = rows(path)
    assert row[SURPLUS] == "2"


def test_csv_broken_quote_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "departments.csv"
    path.write_text(HEADER + 'A,a,32\nB,"b,32\n', encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"departments.csv: row 3"):
        rows(path)


def test_csv_neither_utf8_nor_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "departments.csv"
    path.write_bytes(HEADER.encode() + b"A,\xff\xfe,32\n")
    with pytest.raises(UnreadableFile, match="not valid UTF-8 or GB18030"):
        rows(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty file"), ("code,code\n1,2\n", "appears twice"), (",,\n1,2,3\n", "no header")],
)
def test_csv_bad_headers(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "departments.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableFile, match=message):
        open_table(path)


def test_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "departments.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnreadableFile, match="unsupported format"):
        open_table(path)


def test_xlsx_typed_cells_become_canonical_text(tmp_path: Path) -> None:
    path = tmp_path / "organizations.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["uscc", "established_on", "registered_capital", "ratio", "hub", "code"])
    sheet.append(["A1", datetime.datetime(2020, 5, 6), 500.0, 0.25, True, "000001"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["A2", datetime.date(2021, 1, 2), 12, None, False, None])
    workbook.save(path)
    assert rows(path) == [
        (2, {"uscc": "A1", "established_on": "2020-05-06", "registered_capital": "500",
             "ratio": "0.25", "hub": "true", "code": "000001"}),
        (4, {"uscc": "A2", "established_on": "2021-01-02", "registered_capital": "12",
             "ratio": None, "hub": "false", "code": None}),
    ]  # fmt: skip


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "organizations.xlsx"
    path.write_text("uscc,name\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="not a readable XLSX workbook"):
        open_table(path)


def test_jsonl_values_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "shareholdings.jsonl"
    lines = [
        {"uscc": "A", "ratio": 0.5, "since": "2020-01-01"},
        {"uscc": "B", "ratio": 1, "until": None},
    ]
    path.write_text(json.dumps(lines[0]) + "\n\n" + json.dumps(lines[1]) + "\n", encoding="utf-8")
    table = open_table(path)
    assert table.columns is None
    assert list(table.rows()) == [
        (1, {"uscc": "A", "ratio": "0.5", "since": "2020-01-01"}),
        (3, {"uscc": "B", "ratio": "1", "until": None}),
    ]


@pytest.mark.parametrize(
    ("line", "message"), [('{"a": 1', "line 2: Expecting"), ("[1, 2]", "line 2: not a JSON object")]
)
def test_jsonl_bad_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "persons.jsonl"
    path.write_text('{"name": "x"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=message):
        rows(path)


def test_parquet_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "records.parquet"
    table = pa.table(
        {
            "record_id": ["R1", "R2"],
            "decided_on": pa.array([datetime.date(2025, 1, 2), None], pa.date32()),
            "ratio": [0.5, 1.0],
            "capital": pa.array([Decimal("12.50"), Decimal("3")], pa.decimal128(10, 2)),
        }
    )
    pq.write_table(table, path)
    assert open_table(path).columns == ("record_id", "decided_on", "ratio", "capital")
    assert rows(path) == [
        (1, {"record_id": "R1", "decided_on": "2025-01-02", "ratio": "0.5", "capital": "12.50"}),
        (2, {"record_id": "R2", "decided_on": None, "ratio": "1", "capital": "3.00"}),
    ]


def test_parquet_that_is_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "records.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(UnreadableFile, match="not a readable Parquet file"):
        open_table(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("  ", None), (" a ", "a"), (True, "true"), (3.0, "3"), (0.1, "0.1"),
     (12, "12"), (datetime.datetime(2020, 1, 2, 3, 4), "2020-01-02"), ({"a": "甲"}, '{"a": "甲"}')],
)  # fmt: skip
def test_text(value: object, expected: str | None) -> None:
    assert text(value) == expected
