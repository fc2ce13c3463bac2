"""Hand-built graphs for tests: a few subjects, relations and records written directly.

Keys are readable strings rather than real USCCs/pids where the test only needs identity;
persons get 64-hex pids (the shape `graph.model.label_of` recognises) derived from a name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.store.repository import Repository
from graph.vocabulary import SUBJECT_RELATIONS

CREATE_ORG = """
MERGE (o:Subject:Organization {uscc: $key})
SET o.name = $name, o.region_code = $region, o.province = left($region, 2), o.kind = $kind,
    o.status = 'active', o.hub = $hub, o.source = 'test', o.batch_id = 'test',
    o.loaded_at = datetime()
"""
CREATE_PERSON = """
MERGE (p:Subject:Person {pid: $key})
SET p.name = $name, p.region_code = $region, p.province = left($region, 2),
    p.id_masked = '3201**********000X', p.source = 'test', p.batch_id = 'test',
    p.loaded_at = datetime()
"""
CREATE_DEPARTMENT = """
MERGE (d:Department {code: $code}) SET d.name = $name, d.province = '32'
"""
CREATE_RECORD = """
MATCH (s:Subject) WHERE s.uscc = $subject OR s.pid = $subject
MATCH (d:Department {code: $authority})
CREATE (s)-[:HAS_RECORD {source: 'test'}]->(r:Record)-[:ISSUED_BY]->(d)
SET r = $props, r.record_id = $record_id, r.authority = $authority
"""
CREATE_FLAG = """
MATCH (s:Subject) WHERE s.uscc = $subject OR s.pid = $subject
MATCH (r:Record {record_id: $record_id})
CREATE (s)-[f:FLAGGED]->(r)
SET f = $props, f.record_id = $record_id, f.computed_at = datetime()
"""


def pid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


@dataclass
class GraphBuilder:
    repo: Repository
    _departments: set[str] = field(default_factory=set)

    def org(self, key: str, name: str | None = None, region: str = "3205", *, hub: bool = False,
            kind: str = "enterprise") -> str:  # fmt: skip
        self.repo.write(CREATE_ORG, key=key, name=name or key, region=region, kind=kind, hub=hub)
        return key

    def person(self, name: str, region: str = "3201") -> str:
        key = pid(name)
        self.repo.write(CREATE_PERSON, key=key, name=name, region=region)
        return key

    def rel(self, source: str, rel: str, target: str, **props: Any) -> None:
        # Relationship types cannot be parameters; they come from this closed set.
        assert rel in SUBJECT_RELATIONS
        self.repo.write(
            f"MATCH (a:Subject) WHERE a.uscc = $source OR a.pid = $source "
            f"MATCH (b:Subject) WHERE b.uscc = $target OR b.pid = $target "
            f"CREATE (a)-[r:{rel}]->(b) SET r = $props",
            source=source,
            target=target,
            props=props,
        )

    def record(self, subject: str, record_id: str, *, list_: str = "black",
               level: str | None = "severe", status: str = "active",
               category: str = "judgment_debtor", authority: str = "JS-FY",
               decided_on: date = date(2026, 1, 10), publish_from: date | None = None,
               publish_until: date | None = date(2028, 1, 10),
               source_province: str = "32") -> str:  # fmt: skip
        if authority not in self._departments:
            self.repo.write(CREATE_DEPARTMENT, code=authority, name=f"department {authority}")
            self._departments.add(authority)
        props = {
            "list": list_, "level": level, "status": status, "category": category,
            "basis": "test basis", "decided_on": decided_on,
            "publish_from": publish_from or decided_on, "publish_until": publish_until,
            "source_province": source_province,
        }  # fmt: skip
        self.repo.write(
            CREATE_RECORD,
            subject=subject,
            record_id=record_id,
            authority=authority,
            props={k: v for k, v in props.items() if v is not None},
        )
        return record_id

    def flag(self, subject: str, record_id: str, path: list[dict[str, str]], *,
             rule: str = "R1", kind: str = "extended", score: float = 1.0,
             rules_version: str = "test") -> None:  # fmt: skip
        """A FLAGGED relationship as propagation stores it, the path as JSON text of steps
        ``{source, rel, direction, target, rule}``."""
        props = {
            "rule": rule, "kind": kind, "score": score, "hops": len(path),
            "path": json.dumps(path, ensure_ascii=False), "basis": f"test basis of {rule}",
            "rules_version": rules_version,
        }  # fmt: skip
        self.repo.write(CREATE_FLAG, subject=subject, record_id=record_id, props=props)
