"""Mappings: a department's own export turned into canonical rows, described in YAML.

A mapping names the source files it understands (by name or glob) and, for each, the
canonical rows one source row becomes. Example (see ``loaders/mappings/`` for real ones)::

    source: js-credit-office          # provenance, and the namespace of person_key surrogates
    files:
      "处罚决定*.csv":
        prepare:                      # clean source columns before anything reads them
          统一社会信用代码: {missing: ["无", "-"]}
          证券代码: {zfill: 6}
        outputs:
          - kind: records
            columns:
              record_id: 决定书文号               # a plain string names a source column
              subject_uscc: 统一社会信用代码
              list: {value: black}                 # a constant
              level: {column: 失信程度, map: {一般: general, 较重: serious, 严重: severe}}
              authority: {template: "JS-{部门代码}"}  # a key derived from source columns
          - kind: officers
            columns:
              role: {column: 职务, split: "/", map: {董事长: chairman, 董事: director}}

Rules of a canonical column: exactly one of ``column`` (a source column), ``template``
(source columns in braces; empty if any of them is empty) or ``value`` (a constant); then
optionally ``split`` (one row per part; at most one split column per output; parts are
de-duplicated after mapping) and ``map`` (exact value → canonical value; unmapped values
pass through unchanged, so validation names them). Everything here is pure.
"""

from __future__ import annotations

import fnmatch
import hashlib
import string
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.ingest.layouts import KIND_NAMES, LAYOUTS, Kind
from loaders.readers import TextRow

_RULE_KEYS = {"column", "template", "value", "map", "split"}
_PREPARE_KEYS = {"zfill", "missing"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the place."""


@dataclass(frozen=True)
class ColumnRule:
    column: str | None = None
    template: str | None = None
    value: str | None = None
    map: dict[str, str] = field(default_factory=dict)
    split: str | None = None

    @property
    def reads(self) -> set[str]:
        """The source columns this rule reads."""
        if self.column is not None:
            return {self.column}
        if self.template is not None:
            return set(_template_fields(self.template))
        return set()

    def produce(self, row: TextRow) -> str | None:
        if self.column is not None:
            return row.get(self.column)
        if self.template is not None:
            values = {name: row.get(name) for name in _template_fields(self.template)}
            if any(v is None for v in values.values()):
                return None
            return self.template.format_map(values)
        return self.value

    def mapped(self, value: str) -> str:
        return self.map.get(value, value)


@dataclass(frozen=True)
class Prepare:
    zfill: int | None = None
    missing: frozenset[str] = frozenset()

    def apply(self, value: str | None) -> str | None:
        if value is None or value in self.missing:
            return None
        return value.zfill(self.zfill) if self.zfill else value


@dataclass(frozen=True)
class Output:
    kind: Kind
    columns: dict[str, ColumnRule]

    @property
    def reads(self) -> set[str]:
        return set().union(*(rule.reads for rule in self.columns.values()))

    def rows(self, source: TextRow) -> list[TextRow]:
        """The canonical rows of one (prepared) source row: one, or one per split part."""
        row: TextRow = {}
        split: tuple[str, list[str]] | None = None
        for name, rule in self.columns.items():
            value = rule.produce(source)
            if value is not None and rule.split is not None:
                parts = [rule.mapped(p.strip()) for p in value.split(rule.split) if p.strip()]
                split = (name, list(dict.fromkeys(parts)))
            else:
                row[name] = None if value is None else rule.mapped(value)
        if split is None:
            return [row]
        name, parts = split
        # A split column with no parts still yields one row, which validation then rejects.
        return [{**row, name: part} for part in parts] or [{**row, name: None}]


@dataclass(frozen=True)
class FileMapping:
    pattern: str
    prepare: dict[str, Prepare]
    outputs: tuple[Output, ...]

    @property
    def reads(self) -> set[str]:
        return set(self.prepare).union(*(output.reads for output in self.outputs))

    def prepared(self, row: TextRow) -> TextRow:
        if not self.prepare:
            return row
        cleaned = dict(row)
        for name, rule in self.prepare.items():
            cleaned[name] = rule.apply(row.get(name))
        return cleaned


@dataclass(frozen=True)
class Mapping:
    source: str
    files: tuple[FileMapping, ...]
    digest: str  # of the mapping's text: part of the batch identity
    origin: str = "<mapping>"

    def for_file(self, path: Path) -> FileMapping | None:
        """The first entry whose name or glob matches the file's name."""
        return next((f for f in self.files if fnmatch.fnmatchcase(path.name, f.pattern)), None)


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
    _unknown(spec, {"prepare", "outputs"}, where)
    prepare = {
        str(column): _prepare(rule, f"{where}.prepare.{column}")
        for column, rule in (spec.get("prepare") or {}).items()
    }
    outputs = spec.get("outputs")
    _require(isinstance(outputs, list) and bool(outputs), where, "`outputs` must be a list")
    return FileMapping(
        pattern,
        prepare,
        tuple(_output(o, f"{where}.outputs[{i}]") for i, o in enumerate(outputs)),
    )


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
    _unknown(spec, {"kind", "columns"}, where)
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
    return Output(kind, rules)


def _rule(spec: Any, where: str) -> ColumnRule:
    if isinstance(spec, str):
        return ColumnRule(column=spec)
    _require(isinstance(spec, dict), where, "a source column name or a rule")
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
    return ColumnRule(
        column=_str_or_none(spec.get("column")),
        template=template,
        value=_str_or_none(spec.get("value")),
        map={_yaml_text(k): _yaml_text(v) for k, v in mapping.items()},
        split=split,
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
