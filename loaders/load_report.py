"""The load report: what was read, accepted, rejected, created and updated, per kind, and the
data-quality measures of each source department.

Data quality, per (department, kind) — the department is a record's issuing authority, and
the load's ``source`` for every other kind:

- completeness: the share of required fields present (an either/or group counts once);
- validity: the share of rows accepted;
- timeliness (records only): days from the decision to the load, median and 90th percentile;
- the rejected rows by reason (field and machine code, as in the rejects file).

Per file and kind, the rows rejected and their most frequent reasons (field and reason code,
never a value), and whether a file lost more of its rows than the load allows
(:meth:`LoadReport.over_limit`). Columns are padded by display width, so Chinese names line
up, and cut with an ellipsis where a value (a long department name) would push them out.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.identifiers import scrub
from graph.ingest.layouts import LOAD_ORDER, NODE_KINDS, Kind
from graph.ingest.validate import Invalid, Valid
from graph.propagation.recompute import RunSummary
from loaders.rejects import RejectsWriter


@dataclass
class KindCounts:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    seconds: float = 0.0  # wall time from this kind's first read to its last write

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


@dataclass
class QualityTally:
    department: str
    kind: Kind
    rows: int = 0
    accepted: int = 0
    required_cells: int = 0
    present_cells: int = 0
    delays: Counter[int] = field(default_factory=Counter)  # days from decision to load
    # Rejected rows by what was wrong ("field:reason"); a row counts once per distinct problem.
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return self.rows - self.accepted

    @property
    def completeness(self) -> float:
        return self.present_cells / self.required_cells if self.required_cells else 1.0

    @property
    def validity(self) -> float:
        return self.accepted / self.rows if self.rows else 1.0

    def delay_quantile(self, q: float) -> int | None:
        """The nearest-rank ``q`` quantile of the delays (an observed value, never between)."""
        total = sum(self.delays.values())
        if not total:
            return None
        rank, seen = max(1, math.ceil(q * total)), 0
        for days in sorted(self.delays):
            seen += self.delays[days]
            if seen >= rank:
                return days
        return max(self.delays)

    def properties(self, batch_id: str, measured_on: date) -> dict[str, Any]:
        return {
            "quality_id": f"{batch_id}|{self.department}|{self.kind}",
            "department": self.department,
            "kind": str(self.kind),
            "rows_read": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "completeness": round(self.completeness, 6),
            "validity": round(self.validity, 6),
            "timeliness_median_days": self.delay_quantile(0.5),
            "timeliness_p90_days": self.delay_quantile(0.9),
            "measured_on": measured_on,
            # Two parallel lists (a property cannot hold a map), the most frequent first.
            "reject_reasons": [reason for reason, _ in self._reasons_ordered()],
            "reject_counts": [count for _, count in self._reasons_ordered()],
        }

    def _reasons_ordered(self) -> list[tuple[str, int]]:
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))


TOP_REASONS = 3


@dataclass
class FileRejections:
    """One file's rows of one kind: read, rejected, and why (field, reason code); and the
    file's rows a mapping's ``where`` left out of this kind (not a loss: a choice)."""

    read: int = 0
    rejected: int = 0
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    left_out: int = 0

    def over(self, max_share: float | None) -> bool:
        """Whether the file lost more than ``max_share`` of its rows; None: all of them."""
        if max_share is None:
            return self.read > 0 and self.rejected == self.read
        return self.rejected > max_share * self.read

    def top_reasons(self) -> str:
        return ", ".join(
            f"{name} {reason} ×{n}" for (name, reason), n in self.reasons.most_common(TOP_REASONS)
        )


@dataclass(frozen=True)
class FileSummary:
    name: str
    format: str
    encoding: str | None
    rows: int
    kinds: tuple[Kind, ...]
    unused_columns: tuple[str, ...] = ()


@dataclass(slots=True)
class RowOutcome:
    """One mapped row, checked (:class:`loaders.pipeline.RowChecker`): where it is, its
    result and how complete it was."""

    row: int
    # Invalid: rejected; Valid: accepted so far (references are checked next); None: accepted
    # and written already (by an initial load's worker).
    result: Valid | Invalid | None
    department: str
    present: int  # required fields given
    expected: int  # required fields asked for


@dataclass
class LoadReport:
    batch_id: str
    source: str
    loaded_at: datetime
    files: list[FileSummary] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    kinds: dict[Kind, KindCounts] = field(default_factory=dict)
    quality: dict[tuple[str, Kind], QualityTally] = field(default_factory=dict)
    rejections: dict[tuple[str, Kind], FileRejections] = field(default_factory=dict)
    # FtM entities of schemata the graph has no kind for, per file and schema (loaders/ftm.py)
    not_loaded: dict[str, Counter[str]] = field(default_factory=dict)
    rejects_path: Path | None = None
    rejected_rows: int = 0
    first_load: bool = True  # False: this content was loaded before and its batch recorded
    seconds: float = 0.0
    propagation: RunSummary | None = None  # None: nothing written could change a flag

    def counts(self, kind: Kind) -> KindCounts:
        return self.kinds.setdefault(kind, KindCounts())

    def tally(self, department: str, kind: Kind) -> QualityTally:
        key = (department, kind)
        if key not in self.quality:
            self.quality[key] = QualityTally(department, kind)
        return self.quality[key]

    def file_rejections(self, file: str, kind: Kind) -> FileRejections:
        return self.rejections.setdefault((file, kind), FileRejections())

    def book(
        self,
        file: str,
        kind: Kind,
        outcome: RowOutcome,
        result: Valid | Invalid | None,
        rejects: RejectsWriter,
        today: date,
    ) -> bool:
        """Count one checked row of ``file`` (None: accepted and written elsewhere) in the
        kind's counts, the file's rejections and its department's quality; a rejected row goes
        to ``rejects``. True when the row is accepted. The online and the initial load book
        their rows here, so that both report alike."""
        if not isinstance(result, Invalid):
            tally = self.book_accepted(
                file, kind, outcome.department, 1, outcome.present, outcome.expected
            )
            if result is not None and result.decided_on is not None:
                tally.delays[(today - result.decided_on).days] += 1
            return True
        tally = self._read(file, kind, outcome.department, 1, outcome.present, outcome.expected)
        self.counts(kind).rejected += 1
        in_file = self.file_rejections(file, kind)
        in_file.rejected += 1
        in_file.reasons.update({(e.field, e.reason) for e in result.errors})
        rejects.add(file, outcome.row, kind, result.errors)
        tally.reasons.update({f"{e.field}:{e.reason}" for e in result.errors})
        return False

    def book_accepted(
        self, file: str, kind: Kind, department: str, rows: int, present: int, expected: int
    ) -> QualityTally:
        """Count ``rows`` accepted rows of one department at once, ``present`` and
        ``expected`` their required fields given and asked for (summed); returns the
        department's tally. For rows whose results are not kept (an initial load's worker
        writes them), one per department and chunk instead of one per row."""
        tally = self._read(file, kind, department, rows, present, expected)
        self.counts(kind).accepted += rows
        tally.accepted += rows
        return tally

    def _read(
        self, file: str, kind: Kind, department: str, rows: int, present: int, expected: int
    ) -> QualityTally:
        tally = self.tally(department, kind)
        tally.rows += rows
        tally.required_cells += expected
        tally.present_cells += present
        self.counts(kind).read += rows
        self.file_rejections(file, kind).read += rows
        return tally

    def unloaded(self, file: str) -> Counter[str]:
        return self.not_loaded.setdefault(file, Counter())

    def over_limit(self, max_share: float | None = None) -> list[str]:
        """The files (and kinds) that lost more than ``max_share`` of their rows (None: that
        lost every row), each with its count and top reasons: what makes a load fail."""
        return [
            scrub(f"{file} ({kind}): {r.rejected} of {r.read} rows rejected ({r.top_reasons()})")
            for (file, kind), r in sorted(self.rejections.items())
            if r.over(max_share)
        ]

    def total(self, name: str, kinds: frozenset[Kind] | None = None) -> int:
        return sum(getattr(c, name) for k, c in self.kinds.items() if kinds is None or k in kinds)

    @property
    def node_rows(self) -> int:
        return self.total("read", NODE_KINDS)

    def totals(self) -> dict[str, int]:
        """The batch's totals as stored on its LoadBatch node."""
        return {
            "rows_read": self.total("read"),
            "accepted": self.total("accepted"),
            "rejected": self.total("rejected"),
        }

    def render(self) -> str:
        lines = [
            f"batch {self.batch_id}  source {self.source}  "
            f"loaded {self.loaded_at:%Y-%m-%d %H:%M:%S %Z}  in {self.seconds:.1f}s",
        ]
        if not self.first_load:
            lines.append("these files were loaded before: only rows that differ were written")
        for f in self.files:
            encoding = f" {f.encoding}" if f.encoding else ""
            lines.append(
                f"  read {f.name} ({f.format}{encoding}, {f.rows} rows) as "
                + ", ".join(f.kinds)
                + (f"; columns not used: {', '.join(f.unused_columns)}" if f.unused_columns else "")
            )
        lines += [f"  skipped {name}: {why}" for name, why in self.skipped]
        lines.append("")
        lines.append(
            f"{'kind':<15}{'read':>9}{'accepted':>10}{'rejected':>10}{'created':>9}"
            f"{'updated':>9}{'rows/s':>9}"
        )
        for kind in LOAD_ORDER:
            if kind in self.kinds:
                c = self.kinds[kind]
                lines.append(
                    f"{kind:<15}{c.read:>9}{c.accepted:>10}{c.rejected:>10}{c.created:>9}"
                    f"{c.updated:>9}{c.rate:>9.0f}"
                )
        lines.append("")
        lines.append("data quality by department")
        lines.append(
            f"{'department':<24}{'kind':<15}{'rows':>8}{'complete':>10}{'valid':>8}"
            f"{'days to load (median/p90)':>27}"
        )
        for (department, kind), q in sorted(self.quality.items()):
            median, p90 = q.delay_quantile(0.5), q.delay_quantile(0.9)
            timeliness = "" if median is None else f"{median}/{p90}"
            lines.append(
                f"{fit(department, 24)}{kind:<15}{q.rows:>8}{q.completeness:>10.1%}"
                f"{q.validity:>8.1%}{timeliness:>27}"
            )
        noted = [(k, r) for k, r in sorted(self.rejections.items()) if r.rejected or r.left_out]
        if noted or self.not_loaded:
            lines.append("")
            lines.append("rejected by file (top reasons: field reason ×rows)")
            for (file, kind), r in noted:
                share = f" ({r.rejected / r.read:.1%})" if r.read else ""
                line = f"  {file} ({kind}): {r.rejected} of {r.read}{share}"
                line += f"; {r.top_reasons()}" if r.rejected else ""
                line += f"; {r.left_out} rows left out by `where`" if r.left_out else ""
                lines.append(line)
        for file, schemata in sorted(self.not_loaded.items()):
            shown = ", ".join(f"{schema} ×{n}" for schema, n in schemata.most_common())
            lines.append(f"  {file}: {schemata.total()} entities of no loaded schema ({shown})")
        lines.append("")
        if self.rejected_rows:
            lines.append(f"{self.rejected_rows} rows rejected: see {self.rejects_path}")
        else:
            lines.append("no row rejected")
        run = self.propagation
        if run is None:
            lines.append("flags: nothing written can change one")
        else:
            lines.append(
                f"flags ({run.mode} recompute as of {run.as_of}, run {run.run_id}): "
                f"{run.records} records, {run.flags} flags; "
                f"+{run.gained} -{run.lost} ~{run.changed}"
            )
        # Names, columns and reasons come from the files: a last pass for what they may hold.
        return scrub("\n".join(lines))


def width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, columns: int) -> str:
    """``text`` padded to ``columns`` display columns, or cut to leave one blank before the
    next column, with an ellipsis showing the cut."""
    if width(text) < columns:
        return text + " " * (columns - width(text))
    kept, used = [], 0
    for c in text:
        if used + width(c) > columns - 2:
            break
        kept.append(c)
        used += width(c)
    return "".join(kept) + "…" + " " * (columns - used - 1)
