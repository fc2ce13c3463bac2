"""Mappings: a department's own export turned into canonical rows, described in YAML.

A mapping names the source files it understands (by name or glob) and, for each, the
canonical rows one source row becomes. Example (see ``loaders/mappings/`` for real ones)::

    source: js-credit-office          # provenance
    files:
      "处罚决定*.csv":
        ignore: [备注]                 # read by no output; any other unread column is an error
        join:                          # a lookup file of the same folder, by key
          dept: {file: 部门.csv, key: {部门代码: 代码}}    # its columns become dept.<column>
        prepare:                      # clean source columns before anything reads them
          统一社会信用代码: {missing: ["无", "-"]}
          证券代码: {zfill: 6}
        outputs:
          - kind: records
            where: {column: 类型, in: [失信, 黑名单]}      # only the rows this output takes
            columns:
              record_id: 决定书文号               # a plain string names a source column
              subject_uscc: 统一社会信用代码
              list: {value: black}                 # a constant
              level: {column: 失信程度, map: {一般: general, 较重: serious, 严重: severe}}
              authority: {template: "JS-{部门代码}"}  # a key derived from source columns
              decided_on: {column: 决定日期, date: ["%Y%m%d", "%d.%m.%y"], pivot: 1950}
          - kind: officers
            columns:
              role: {column: 职务, split: "/", map: {董事长: chairman, 董事: director}}
              person_key:                  # a person known without an ID number
                person_key:
                  name: 姓名
                  gender: 性别
                  born: {column: 年龄, age_in: 2018}   # an age in 2018 → birth year
                fallback:                  # joins only when the parts above give a name alone
                  org: {template: "listed:{证券代码}"}

Rules of a canonical column: exactly one of ``column`` (a source column; a dotted path for
nested JSON, ``a.b.0``), ``template`` (source columns in braces; empty if any of them is
empty) or ``value`` (a constant); then, in this order, optionally ``replace`` (regular
expression → replacement, ``\\1`` for groups), ``extract`` (a regular expression: its first
group, or the whole match; a value that does not match rejects the row), ``split`` (one row
per part; at most one split column per output; parts are de-duplicated after mapping),
``map`` (exact value → canonical value; unmapped values pass through unchanged, so validation
names them), and one conversion: ``date`` (``strptime`` formats tried in order, written back
ISO; ``%y`` needs ``pivot``, the first year of the century window two-digit years fall in)
or ``unit`` (``percent``: a number in [0, 100], a ``%`` sign allowed, divided by 100;
``fraction``: a number in [0, 1]) or ``age_in`` (an age in years reported in that year
becomes the birth year, ``year - age``: the later of the two years possible, so no one
counts as adult early). A value a conversion cannot read is rejected with its reason, never
guessed at; a mapped ``ratio`` must declare its ``unit``.

A person key (``person_key``, ``holder_person_key``, ``subject_person_key``) can be built from
columns: ``{person_key: {name: R, born: R, gender: R, nationality: R, org: R}, fallback:
{...}}``, each ``R`` a rule as above. Parts whose value is missing are left out; the
``fallback`` parts join only when the others leave the name alone; without a name the key is
missing. Validation puts the parts in canonical order and checks them
(:func:`graph.identifiers.validate_person_key`), so the same facts from any mapping give the
same person.

A ``where`` condition is ``{column: C, <test>}`` with one test of ``equals: v``,
``in: [v, ...]``, ``matches: regex`` (searched anywhere) or ``present: true|false``, or
``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``. Two outputs of one kind with opposite
conditions choose the output per row (a holder that is a person or an organisation).
Everything here is pure; the pipeline reads the join's lookup file (:class:`Join`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import string
from collections.abc import Callable
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from graph.identifiers import PERSON_KEY_PARTS
from graph.ingest.layouts import KIND_NAMES, LAYOUTS, Kind
from graph.ingest.validate import FieldError, quote
from loaders.readers import TextRow

_RULE_KEYS = {
    "column", "template", "value", "replace", "extract", "split", "map", "date", "pivot", "unit",
    "age_in",
}  # fmt: skip
_PERSON_KEY_RULE_KEYS = {"person_key", "fallback"}
_MAX_AGE = 130
_PREPARE_KEYS = {"zfill", "missing"}
# A placeholder is substituted by hand, not by str.format, which would read the dotted names
# of joined and nested columns (`dept.name`) as attribute access.
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_UNITS = {"percent": Decimal(100), "fraction": Decimal(1)}
_TESTS = {"equals", "in", "matches", "present"}
# A join's lookup file is held in memory: past this many rows it is not a lookup table, and
# the load refuses it rather than exhaust memory (pre-join such files).
DEFAULT_JOIN_MAX_ROWS = 1_000_000


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the place."""


class Mapped(NamedTuple):
    """A canonical row, and the reasons to reject it that the mapping itself found."""

    row: TextRow
    errors: tuple[FieldError, ...] = ()


class _Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ColumnRule:
    column: str | None = None
    template: str | None = None
    value: str | None = None
    replace: tuple[tuple[re.Pattern[str], str], ...] = ()
    extract: re.Pattern[str] | None = None
    map: dict[str, str] = field(default_factory=dict)
    split: str | None = None
    date: tuple[str, ...] = ()
    pivot: int | None = None
    unit: str | None = None
    age_in: int | None = None
    # A person key built from columns: (part, rule) pairs, and the parts added only when the
    # others leave the name alone (graph.identifiers.validate_person_key).
    person_key: tuple[tuple[str, ColumnRule], ...] = ()
    fallback: tuple[tuple[str, ColumnRule], ...] = ()

    @property
    def reads(self) -> set[str]:
        """The source columns this rule reads."""
        if self.person_key:
            return set().union(*(rule.reads for _, rule in (*self.person_key, *self.fallback)))
        if self.column is not None:
            return {self.column}
        if self.template is not None:
            return set(_template_fields(self.template))
        return set()

    def produce(self, row: TextRow) -> str | None:
        """The value before splitting: the source, substituted and extracted."""
        if self.person_key:
            return self._person_key(row)
        if self.column is not None:
            value = row.get(self.column)
        elif self.template is not None:
            values = {name: row.get(name) for name in _template_fields(self.template)}
            if any(v is None for v in values.values()):
                return None
            value = _PLACEHOLDER.sub(lambda m: values[m.group(1)] or "", self.template)
        else:
            value = self.value
        if value is None:
            return None
        for pattern, replacement in self.replace:
            value = pattern.sub(replacement, value)
        if self.extract is not None:
            found = self.extract.search(value)
            if found is None:
                raise _Rejected(
                    "no_match", f"{quote(value)} does not match {self.extract.pattern!r}"
                )
            # An optional group that took no part in the match is an empty value.
            value = (found.group(1) or "") if self.extract.groups else found.group()
        return value.strip() or None

    def finish(self, value: str) -> str:
        """One (split part of a) value mapped and converted."""
        value = self.map.get(value, value)
        if self.date:
            return _date(value, self.date, self.pivot)
        if self.unit is not None:
            return _ratio(value, self.unit)
        if self.age_in is not None:
            return _birth_year(value, self.age_in)
        return value

    def _person_key(self, row: TextRow) -> str | None:
        """``name=…;born=…`` of the parts present (validation orders and checks them); the
        fallback parts join when the others leave the name alone; missing without a name."""
        parts = _parts(self.person_key, row)
        if "name" not in parts:
            return None
        if len(parts) == 1:
            parts.update(_parts(self.fallback, row))
        return ";".join(f"{name}={value}" for name, value in parts.items())


def _parts(rules: tuple[tuple[str, ColumnRule], ...], row: TextRow) -> dict[str, str]:
    parts = {}
    for name, rule in rules:
        value = rule.produce(row)
        if value is not None:
            parts[name] = rule.finish(value)
    return parts


def _birth_year(value: str, year: int) -> str:
    """The birth year of a person of age ``value`` in ``year``: ``year - age``. (Someone 50
    in 2018 was born in 1968 or, birthday not yet reached, 1967: the later year is taken, so
    that no one counts as an adult earlier than they may be.)"""
    if not value.isdigit():
        raise _Rejected("number", f"{quote(value)} is not an age in years")
    if int(value) > _MAX_AGE:
        raise _Rejected("out_of_range", f"an age of {int(value)} is over {_MAX_AGE}")
    return str(year - int(value))


# Dates repeat (a report period, a decision day): strptime is slow, so each is read once.
@lru_cache(maxsize=1 << 14)
def _date(value: str, formats: tuple[str, ...], pivot: int | None) -> str:
    for fmt in formats:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if pivot is not None and "%y" in fmt:
            # strptime puts 00–68 in 2000–2068; the declared window [pivot, pivot + 99] rules.
            year = pivot + (parsed.year - pivot) % 100
            try:
                parsed = parsed.replace(year=year)
            except ValueError:
                continue  # 29 February of a year that is not a leap year
        return parsed.isoformat()
    raise _Rejected("date", f"{quote(value)} is not a date of the form {' or '.join(formats)}")


def _ratio(value: str, unit: str) -> str:
    text = value[:-1].strip() if unit == "percent" and value.endswith("%") else value
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _Rejected("number", f"{quote(value)} is not a number")
    top = _UNITS[unit]
    if not 0 <= number <= top:
        raise _Rejected("out_of_range", f"{quote(value)} is not a {unit} in [0, {top}]")
    return str(number / top)


Condition = Callable[[TextRow], bool]


@dataclass(frozen=True)
class Output:
    kind: Kind
    columns: dict[str, ColumnRule]
    where: Condition | None = None
    where_reads: frozenset[str] = frozenset()

    @property
    def reads(self) -> set[str]:
        return set(self.where_reads).union(*(rule.reads for rule in self.columns.values()))

    def takes(self, source: TextRow) -> bool:
        """Whether ``where`` lets the (prepared) source row into this output."""
        return self.where is None or self.where(source)

    def rows(self, source: TextRow) -> list[Mapped]:
        """The canonical rows of one (prepared) source row: none (``where`` excludes it), one,
        or one per split part, each with the reasons the mapping found to reject it."""
        if not self.takes(source):
            return []
        row: TextRow = {}
        errors: list[FieldError] = []
        split: tuple[str, ColumnRule, list[str]] | None = None
        for name, rule in self.columns.items():
            try:
                value = rule.produce(source)
                if value is not None and rule.split is not None:
                    parts = [p.strip() for p in value.split(rule.split) if p.strip()]
                    split = (name, rule, parts)
                else:
                    row[name] = None if value is None else rule.finish(value)
            except _Rejected as exc:
                row[name] = None
                errors.append(FieldError(name, exc.reason, f"{name}: {exc}"))
        if split is None:
            return [Mapped(row, tuple(errors))]
        name, rule, parts = split
        finished: dict[str, tuple[FieldError, ...]] = {}
        for part in parts:
            try:
                finished.setdefault(rule.finish(part), ())
            except _Rejected as exc:
                finished.setdefault(part, (FieldError(name, exc.reason, f"{name}: {exc}"),))
        # A split column with no parts still yields one row, which validation then rejects.
        if not finished:
            return [Mapped({**row, name: None}, tuple(errors))]
        return [Mapped({**row, name: v}, (*errors, *e)) for v, e in finished.items()]


@dataclass(frozen=True)
class Prepare:
    zfill: int | None = None
    missing: frozenset[str] = frozenset()

    def apply(self, value: str | None) -> str | None:
        if value is None or value in self.missing:
            return None
        return value.zfill(self.zfill) if self.zfill else value


@dataclass(frozen=True)
class Join:
    """A lookup file of the same folder: a row takes the columns of the lookup row whose
    ``right`` column equals its own ``left`` column, as ``<alias>.<column>`` (all missing when
    none does). Only the columns the mapping reads are kept, so memory is bounded by the
    lookup file's rows (at most ``max_rows``) times those columns, whatever the size of the
    file being mapped, which is streamed."""

    alias: str
    file: str
    left: str
    right: str
    max_rows: int = DEFAULT_JOIN_MAX_ROWS


Lookups = dict[str, dict[str, TextRow]]  # alias -> key -> the lookup row's columns read


@dataclass(frozen=True)
class FileMapping:
    pattern: str
    prepare: dict[str, Prepare]
    outputs: tuple[Output, ...]
    ignore: frozenset[str] = frozenset()
    joins: tuple[Join, ...] = ()

    # Cached: read for every row (they cannot change, the mapping is frozen).
    @cached_property
    def reads(self) -> set[str]:
        """The columns the mapping reads, of this file and (``alias.column``) of its joins."""
        return set(self.prepare).union(
            {j.left for j in self.joins}, *(output.reads for output in self.outputs)
        )

    @cached_property
    def own_reads(self) -> set[str]:
        """The columns this file itself must have."""
        return {c for c in self.reads if self.joined(c) is None}

    def joined(self, column: str) -> Join | None:
        alias = column.split(".", 1)[0]
        return next((j for j in self.joins if j.alias == alias and column != alias), None)

    def join_reads(self, join: Join) -> set[str]:
        """The lookup file's columns read (its key included)."""
        return self._join_reads[join.alias]

    @cached_property
    def _join_reads(self) -> dict[str, set[str]]:
        return {
            j.alias: {j.right} | {c.split(".", 1)[1] for c in self.reads if self.joined(c) is j}
            for j in self.joins
        }

    @cached_property
    def _own_prepare(self) -> dict[str, Prepare]:
        return {name: rule for name, rule in self.prepare.items() if self.joined(name) is None}

    def unknown(self, columns: set[str]) -> list[str]:
        """Columns of the file that no output reads and ``ignore`` does not name (a name
        ignores the nested paths below it too)."""
        reads = self.own_reads
        return sorted(
            c
            for c in columns
            if c
            and c not in reads
            and not any(c == i or c.startswith(f"{i}.") for i in self.ignore)
        )

    def prepared(self, row: TextRow, lookups: Lookups | None = None) -> TextRow:
        """The row cleaned, with the columns of its joins (``lookups`` as the pipeline reads
        them from the lookup files)."""
        cleaned = dict(row)
        for name, rule in self._own_prepare.items():
            cleaned[name] = rule.apply(row.get(name))
        for join in self.joins:
            key = cleaned.get(join.left)
            found = (lookups or {}).get(join.alias, {}).get(key) if key is not None else None
            for column in self.join_reads(join):
                cleaned[f"{join.alias}.{column}"] = found.get(column) if found else None
        return cleaned

    def lookup_row(self, join: Join, row: TextRow) -> TextRow:
        """A lookup file's row as the join keeps it: the columns read, prepared."""
        kept: TextRow = {}
        for column in self.join_reads(join):
            rule = self.prepare.get(f"{join.alias}.{column}")
            kept[column] = rule.apply(row.get(column)) if rule else row.get(column)
        return kept


@dataclass(frozen=True)
class Mapping:
    source: str
    files: tuple[FileMapping, ...]
    digest: str  # of the mapping's text: part of the batch identity
    origin: str = "<mapping>"

    def for_file(self, path: Path) -> FileMapping | None:
        """The entry whose name or glob matches the file's name; two that do are an error,
        since one would silently shadow the other."""
        found = [f for f in self.files if fnmatch.fnmatchcase(path.name, f.pattern)]
        if len(found) > 1:
            patterns = ", ".join(repr(f.pattern) for f in found)
            raise MappingError(f"{self.origin}: {path.name} matches several entries: {patterns}")
        return found[0] if found else None


def load_mapping(path: Path) -> Mapping:
    try:
        raw_text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(raw_text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot be read: {exc}") from None
    return parse_mapping(data, raw_text, origin=str(path))


def parse_mapping(data: Any, raw_text: str, origin: str = "<mapping>") -> Mapping:
    """Check a mapping's structure and build it; every mistake names its place."""
    where = origin
    _require(isinstance(data, dict), where, "a mapping is a YAML object")
    _unknown(data, {"source", "description", "files"}, where)
    source = data.get("source")
    _require(isinstance(source, str) and bool(source.strip()), where, "`source` is required")
    files = data.get("files")
    _require(isinstance(files, dict) and bool(files), where, "`files` must name at least one file")
    entries = tuple(
        _file(str(pattern), spec, f"{where}: files.{pattern}") for pattern, spec in files.items()
    )
    digest = hashlib.sha256(raw_text.encode("utf-8")).hexdigest()
    return Mapping(str(source).strip(), entries, digest, origin)


def _file(pattern: str, spec: Any, where: str) -> FileMapping:
    _require(isinstance(spec, dict), where, "expected `prepare` and `outputs`")
    _unknown(spec, {"prepare", "outputs", "ignore", "join"}, where)
    prepare = {
        str(column): _prepare(rule, f"{where}.prepare.{column}")
        for column, rule in (spec.get("prepare") or {}).items()
    }
    outputs = spec.get("outputs")
    _require(isinstance(outputs, list) and bool(outputs), where, "`outputs` must be a list")
    ignore = spec.get("ignore") or []
    _require(isinstance(ignore, list), where, "`ignore` is a list of columns")
    joins = spec.get("join") or {}
    _require(isinstance(joins, dict), where, "`join` is an object of alias: {file, key}")
    return FileMapping(
        pattern,
        prepare,
        tuple(_output(o, f"{where}.outputs[{i}]") for i, o in enumerate(outputs)),
        frozenset(str(c) for c in ignore),
        tuple(_join(str(a), j, f"{where}.join.{a}") for a, j in joins.items()),
    )


def _join(alias: str, spec: Any, where: str) -> Join:
    _require(isinstance(spec, dict), where, "expected `file` and `key`")
    # Not `on`: YAML 1.1 reads a bare `on` as the boolean true.
    _unknown(spec, {"file", "key", "max_rows"}, where)
    file, on = spec.get("file"), spec.get("key")
    _require(isinstance(file, str) and "/" not in file, where, "`file` names a file of the folder")
    _require(
        isinstance(on, dict) and len(on) == 1, where, "`key` is {this file's column: its column}"
    )
    [(left, right)] = on.items()
    max_rows = spec.get("max_rows", DEFAULT_JOIN_MAX_ROWS)
    _require(isinstance(max_rows, int) and max_rows > 0, where, "`max_rows` is a row count")
    return Join(alias, file, str(left), str(right), max_rows)


def _prepare(spec: Any, where: str) -> Prepare:
    _require(isinstance(spec, dict), where, "expected `zfill` and/or `missing`")
    _unknown(spec, _PREPARE_KEYS, where)
    zfill = spec.get("zfill")
    _require(zfill is None or (isinstance(zfill, int) and zfill > 0), where, "`zfill` is a width")
    missing = spec.get("missing") or []
    _require(isinstance(missing, list), where, "`missing` is a list of values")
    return Prepare(zfill, frozenset(str(v) for v in missing))


def _output(spec: Any, where: str) -> Output:
    _require(isinstance(spec, dict), where, "expected `kind` and `columns`")
    _unknown(spec, {"kind", "columns", "where"}, where)
    kind_name = spec.get("kind")
    _require(kind_name in KIND_NAMES, where, f"`kind` must be one of {', '.join(Kind)}")
    kind = Kind(kind_name)
    columns = spec.get("columns")
    _require(isinstance(columns, dict) and bool(columns), where, "`columns` is required")
    layout = LAYOUTS[kind]
    rules = {}
    for name, rule in columns.items():
        _require(name in layout.columns, where, f"{kind} has no column {name!r}")
        rules[str(name)] = _rule(rule, f"{where}.columns.{name}")
    for required in layout.required:
        options = (required,) if isinstance(required, str) else required
        _require(
            any(o in rules for o in options),
            where,
            f"{kind} needs a column {' or '.join(options)}",
        )
    _require(
        sum(r.split is not None for r in rules.values()) <= 1,
        where,
        "at most one column may be split",
    )
    if "ratio" in rules:
        _require(
            rules["ratio"].unit is not None,
            f"{where}.columns.ratio",
            "declare the `unit`: percent or fraction",
        )
    if "where" not in spec:
        return Output(kind, rules)
    reads: set[str] = set()
    condition = _condition(spec["where"], f"{where}.where", reads)
    return Output(kind, rules, condition, frozenset(reads))


def _condition(spec: Any, where: str, reads: set[str]) -> Condition:
    _require(isinstance(spec, dict), where, "a condition is an object")
    for combinator in ("all", "any"):
        if combinator in spec:
            _unknown(spec, {combinator}, where)
            parts = spec[combinator]
            _require(isinstance(parts, list) and bool(parts), where, f"`{combinator}` is a list")
            tests = [
                _condition(p, f"{where}.{combinator}[{i}]", reads) for i, p in enumerate(parts)
            ]
            join = all if combinator == "all" else any
            return lambda row: join(t(row) for t in tests)
    if "not" in spec:
        _unknown(spec, {"not"}, where)
        negated = _condition(spec["not"], f"{where}.not", reads)
        return lambda row: not negated(row)
    _unknown(spec, {"column"} | _TESTS, where)
    column = spec.get("column")
    _require(isinstance(column, str), where, "`column` names the column tested")
    given = [t for t in _TESTS if t in spec]
    _require(len(given) == 1, where, f"give exactly one of {', '.join(sorted(_TESTS))}")
    reads.add(column)
    name, operand = given[0], spec[given[0]]
    if name == "equals":
        expected = _yaml_text(operand)
        return lambda row: row.get(column) == expected
    if name == "in":
        _require(isinstance(operand, list), where, "`in` is a list of values")
        allowed = frozenset(_yaml_text(v) for v in operand)
        return lambda row: row.get(column) in allowed
    if name == "matches":
        pattern = _regex(operand, f"{where}.matches")
        return lambda row: (v := row.get(column)) is not None and pattern.search(v) is not None
    _require(isinstance(operand, bool), where, "`present` is true or false")
    return lambda row: (row.get(column) is not None) is operand


def _regex(spec: Any, where: str) -> re.Pattern[str]:
    _require(isinstance(spec, str), where, "a regular expression is text")
    try:
        return re.compile(spec)
    except re.error as exc:
        raise MappingError(f"{where}: not a regular expression: {exc}") from None


def _rule(spec: Any, where: str) -> ColumnRule:
    if isinstance(spec, str):
        return ColumnRule(column=spec)
    _require(isinstance(spec, dict), where, "a source column name or a rule")
    if "person_key" in spec:
        return _person_key_rule(spec, where)
    _unknown(spec, _RULE_KEYS, where)
    sources = [k for k in ("column", "template", "value") if k in spec]
    _require(len(sources) == 1, where, "give exactly one of `column`, `template`, `value`")
    mapping = spec.get("map") or {}
    _require(isinstance(mapping, MappingType), where, "`map` is an object of value: value")
    split = spec.get("split")
    _require(split is None or (isinstance(split, str) and split != ""), where, "`split` is text")
    template = spec.get("template")
    if template is not None:
        _require(isinstance(template, str), where, "`template` is text")
        try:
            _template_fields(template)
        except ValueError as exc:
            raise MappingError(f"{where}: template: {exc}") from None
    replace = spec.get("replace") or {}
    _require(isinstance(replace, dict), where, "`replace` is an object of pattern: replacement")
    extract = spec.get("extract")
    dates = spec.get("date") or []
    dates = [dates] if isinstance(dates, str) else dates
    _require(
        isinstance(dates, list) and all(isinstance(d, str) and "%" in d for d in dates),
        where,
        "`date` is a strptime format or a list of them",
    )
    pivot = spec.get("pivot")
    two_digit = any("%y" in d for d in dates)
    _require(
        two_digit == (pivot is not None),
        where,
        "`pivot` (the first year two-digit years fall in) goes with, and only with, %y",
    )
    _require(pivot is None or (isinstance(pivot, int) and pivot > 0), where, "`pivot` is a year")
    unit = spec.get("unit")
    _require(unit is None or unit in _UNITS, where, "`unit` is percent or fraction")
    age_in = spec.get("age_in")
    _require(
        age_in is None or (isinstance(age_in, int) and age_in > 1900),
        where,
        "`age_in` is the year the age was reported in",
    )
    _require(
        sum((bool(dates), unit is not None, age_in is not None)) <= 1,
        where,
        "one conversion: `date`, `unit` or `age_in`",
    )
    return ColumnRule(
        column=_str_or_none(spec.get("column")),
        template=template,
        value=_str_or_none(spec.get("value")),
        replace=tuple(
            (_regex(str(p), f"{where}.replace"), _yaml_text(r)) for p, r in replace.items()
        ),
        extract=None if extract is None else _regex(extract, f"{where}.extract"),
        map={_yaml_text(k): _yaml_text(v) for k, v in mapping.items()},
        split=split,
        date=tuple(dates),
        pivot=pivot,
        unit=unit,
        age_in=age_in,
    )


def _person_key_rule(spec: dict[str, Any], where: str) -> ColumnRule:
    _unknown(spec, _PERSON_KEY_RULE_KEYS, where)
    parts, fallback = spec["person_key"], spec.get("fallback") or {}
    for name, given in (("person_key", parts), ("fallback", fallback)):
        _require(isinstance(given, dict), where, f"`{name}` is an object of part: rule")
        unknown = sorted(set(map(str, given)) - set(PERSON_KEY_PARTS))
        _require(not unknown, where, f"person key parts are {', '.join(PERSON_KEY_PARTS)}")
    _require("name" in parts, where, "a person key needs its `name` part")
    _require("name" not in fallback, where, "the `fallback` parts come beside the name")
    _require(bool(fallback) or len(parts) > 1, where, "a name alone is no person key")
    return ColumnRule(
        person_key=tuple((str(n), _rule(r, f"{where}.{n}")) for n, r in parts.items()),
        fallback=tuple((str(n), _rule(r, f"{where}.fallback.{n}")) for n, r in fallback.items()),
    )


@lru_cache(maxsize=256)
def _template_fields(template: str) -> tuple[str, ...]:
    fields = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name or spec or conversion:
            raise ValueError("placeholders are plain {column} names")
        fields.append(name)
    return tuple(fields)


def _yaml_text(value: Any) -> str:
    # YAML reads 是/否-style words as text but true/false/yes/no as booleans; the canonical
    # spelling of a boolean is lower-case true/false.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else _yaml_text(value)


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise MappingError(f"{where}: {message}")


def _unknown(spec: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(map(str, spec)) - allowed)
    _require(
        not extra,
        where,
        f"unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(allowed))}",
    )
