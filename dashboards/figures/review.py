"""Pure builders of the credit review page: the keys a user pasted or uploaded, and the
decisions as grid rows and path diagrams.

Keys are read leniently (any mix of commas, semicolons, spaces and lines; the first column
of a CSV or XLSX file, its header skipped) and checked strictly, as the API checks them: a
malformed USCC is refused with its line and the reason, before anything is asked of the graph.
A refused entry is echoed through the identifier scrubber, so an ID number pasted by mistake
is never shown back.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from dashboards.figures.propagation import path_text
from graph.disclosure import is_person_shown
from graph.identifiers import InvalidIdentifier, scrub, validate_uscc
from graph.model import PathStep, label_of
from graph.review.credit_review import MAX_SUBJECTS, ReviewResult
from graph.review.path_diagram import path_svg

Row = dict[str, Any]

KEY_PATTERN = re.compile(r"[0-9A-Za-z:_\-~]{3,80}")
SEPARATORS = re.compile(r"[\s,;，；、]+")
HEADER_WORDS = frozenset(
    {"key", "keys", "uscc", "pid", "subject", "subjects", "主体", "统一社会信用代码"}
)
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class ParsedKeys:
    """What a paste or an upload held: the keys to review, and what was refused and why."""

    keys: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_keys(entries: Iterable[tuple[int, str]], allow_list: Collection[str] = ()) -> ParsedKeys:
    """Check ``(line, entry)`` pairs; keys first-given order, each once.

    >>> parse_keys([(1, "91320214745555318W"), (2, "91320214745555318W"), (3, "a b")]).keys
    ['91320214745555318W']
    """
    parsed = ParsedKeys()
    seen: set[str] = set()
    for line, entry in entries:
        if not KEY_PATTERN.fullmatch(entry):
            parsed.problems.append(f"{line}: {scrub(entry)!r} is not a subject key")
            continue
        key = entry
        if label_of(entry) == "Organization" and len(entry) == 18 and ":" not in entry:
            try:
                key = validate_uscc(entry, allow_list)
            except InvalidIdentifier as exc:
                parsed.problems.append(f"{line}: {scrub(entry)}: {scrub(str(exc))}")
                continue
        if key not in seen:
            seen.add(key)
            parsed.keys.append(key)
    if len(parsed.keys) > MAX_SUBJECTS:
        parsed.problems.append(
            f"at most {MAX_SUBJECTS} subjects per review, got {len(parsed.keys)}"
        )
    return parsed


def pasted_entries(text: str) -> list[tuple[int, str]]:
    """The entries of pasted text with their line numbers."""
    return [
        (number, entry)
        for number, line in enumerate(text.splitlines(), start=1)
        for entry in SEPARATORS.split(line)
        if entry
    ]


def uploaded_entries(contents: str, filename: str) -> list[tuple[int, str]]:
    """The first column of an uploaded CSV, TXT or XLSX file (``dcc.Upload``'s data URL),
    with row numbers; a header row is skipped.

    Raises ``ValueError`` naming the problem for a file that cannot be read.
    """
    try:
        data = base64.b64decode(contents.partition(",")[2], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{filename}: not a readable upload") from exc
    if filename.lower().endswith(".xlsx"):
        cells = _xlsx_first_column(data, filename)
    else:
        cells = _text_first_column(data, filename)
    entries = [(number, cell.strip()) for number, cell in cells if cell and cell.strip()]
    if entries and _is_header(entries[0][1]):
        entries = entries[1:]
    return entries


def _is_header(cell: str) -> bool:
    return cell.lower() in HEADER_WORDS or not KEY_PATTERN.fullmatch(cell)


def _text_first_column(data: bytes, filename: str) -> list[tuple[int, str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{filename}: neither UTF-8 nor GB18030 text")
    rows = csv.reader(io.StringIO(text))
    return [(number, row[0]) for number, row in enumerate(rows, start=1) if row]


def _xlsx_first_column(data: bytes, filename: str) -> list[tuple[int, str]]:
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises several kinds for a file that is no workbook
        raise ValueError(f"{filename}: not an XLSX workbook") from exc
    return [
        (number, "" if row[0] is None else str(row[0]))
        for number, row in enumerate(sheet.iter_rows(max_col=1, values_only=True), start=1)
        if row
    ]


# --------------------------------------------------------------------------- results


def decision_rows(result: ReviewResult) -> list[Row]:
    """One row per subject, in the order given: the decision and its weightiest reason."""
    return [
        {
            "key": s.key,
            "name": s.name or "",
            "label": s.label,
            "decision": s.decision,
            "incentive": s.incentive,
            "reasons": len(s.reasons),
            "summary": s.reasons[0].summary if s.reasons else "",
            "measure": s.reasons[0].measure if s.reasons else "",
        }
        for s in result.subjects
    ]


def reason_rows(result: ReviewResult, names: Mapping[str, str]) -> list[Row]:
    """Every reason of every subject: record, rule, path and legal basis, for the export."""
    return [
        {
            "key": s.key,
            "name": s.name or "",
            "decision": s.decision,
            "finding": r.finding,
            "reason_decision": r.decision,
            "summary": r.summary,
            "measure": r.measure,
            "record_id": r.record_id,
            "list": r.list,
            "level": r.level,
            "record_status": r.record_status,
            "authority": r.authority_name or r.authority,
            "rule": r.rule,
            "kind": r.kind,
            "score": r.score,
            "path": path_text(r.path, {**names, s.key: s.name or s.key}),
            "basis": " | ".join(r.basis),
        }
        for s in result.subjects
        for r in s.reasons
    ]


def path_diagram_src(path: Sequence[PathStep], names: Mapping[str, str]) -> str:
    """A flag's path diagram (:func:`graph.review.path_diagram.path_svg`) as an image data
    URL: shown with ``html.Img``, it needs no markup from the server in the page."""
    svg = path_svg(path, names, is_person=is_person_shown, standalone=True)
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode("ascii")
