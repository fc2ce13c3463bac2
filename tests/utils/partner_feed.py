"""A partner province's ``/linkage/v1`` endpoints as a small in-memory app, for the
subscriber's tests: pages are signed exactly as PROTOCOL.md says, and the test can make the
partner misbehave in ways a real instance will not on demand (a tampered page, garbage, an
outage, a slow answer, a pruned window). Served over real HTTP by
:class:`tests.conftest.LiveServer`; the four-province system test uses real instances.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from graph.linkage.signing import sign_page

Fault = Literal["down", "garbage", "tamper", "slow", "bad_shape"]
PROTOCOL = "credit-graph-linkage/1"


def new_signing_key() -> tuple[str, str]:
    """A fresh (private, public) key pair, each base64 raw 32 bytes."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes_raw()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw_private).decode(), base64.b64encode(raw_public).decode()


@dataclass
class PartnerFeed:
    province: str
    subscriber: str = "32"
    key_id: str = "test-1"
    keys: tuple[str, str] = field(default_factory=new_signing_key)
    entries: list[dict[str, Any]] = field(default_factory=list)
    # Entries with a seq below this are pruned: a cursor before them answers 410.
    retained_from: int = 1
    fault: Fault | None = None
    # Seconds each feed page takes: lets a test kill a sync between pages.
    page_delay_s: float = 0.0
    checks: list[dict[str, Any]] = field(default_factory=list)
    # Flags the check answers, by USCC: derived through the partner's own graph.
    flags: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def public_key(self) -> str:
        return self.keys[1]

    def add(self, op: str, record: dict[str, Any], subject: dict[str, Any]) -> int:
        seq = len(self.entries) + 1
        at = f"2026-12-05T08:{seq // 60 % 60:02d}:{seq % 60:02d}+00:00"
        self.entries.append({"seq": seq, "op": op, "at": at, "record": record, "subject": subject})
        return seq

    def head(self) -> dict[str, Any]:
        last = self.entries[-1] if self.entries else None
        return {"seq": last["seq"] if last else 0, "at": last["at"] if last else None}

    def signed(self, page: dict[str, Any]) -> dict[str, Any]:
        body = sign_page(
            {"protocol": PROTOCOL, "province": self.province, "partner": self.subscriber, **page},
            self.keys[0],
            self.key_id,
        )
        if self.fault == "tamper" and body["entries"]:
            body["entries"][0]["record"]["level"] = "general"  # after signing: must fail
        return body

    def app(self) -> FastAPI:
        app = FastAPI()

        def faulty() -> Response | None:
            if self.fault == "down":
                return JSONResponse({"title": "unavailable"}, status_code=503)
            if self.fault == "garbage":
                return PlainTextResponse("<html>proxy error</html>")
            if self.fault == "slow":
                time.sleep(3)
            return None

        @app.get("/linkage/v1/catalogue")
        def catalogue() -> Response:
            return faulty() or JSONResponse(
                {"protocol": PROTOCOL, "province": self.province, "head": self.head()}
            )

        @app.get("/linkage/v1/feed")
        def feed(cursor: str | None = None, limit: int = 500) -> Response:
            if (bad := faulty()) is not None:
                return bad
            after = int(cursor) if cursor else self.retained_from - 1
            if after < self.retained_from - 1:
                return JSONResponse(
                    {"title": "cursor expired", "snapshot": "/linkage/v1/snapshot"},
                    status_code=410,
                )
            time.sleep(self.page_delay_s)
            entries = [e for e in self.entries if e["seq"] > after][:limit]
            last = entries[-1]["seq"] if entries else after
            page = {
                "kind": "feed",
                "entries": [dict(e, record=dict(e["record"])) for e in entries],
                "next_cursor": str(last),
                "has_more": last < self.head()["seq"],
            }
            if self.fault == "bad_shape":
                page["entries"] = [{"seq": 1}]
            return JSONResponse(self.signed(page))

        @app.get("/linkage/v1/snapshot")
        def snapshot(cursor: str | None = None, limit: int = 500) -> Response:
            if (bad := faulty()) is not None:
                return bad
            offset, resume = (cursor or f"0|{self.head()['seq']}").split("|")
            time.sleep(self.page_delay_s)
            current: dict[str, dict[str, Any]] = {}
            for entry in self.entries:
                current[entry["record"]["record_id"]] = entry
            ordered = [current[rid] for rid in sorted(current)]
            chunk = ordered[int(offset) : int(offset) + limit]
            end = int(offset) + len(chunk)
            page: dict[str, Any] = {
                "kind": "snapshot",
                "entries": [
                    {"op": "upsert", "record": e["record"], "subject": e["subject"]} for e in chunk
                ],
                "next_cursor": f"{end}|{resume}",
                "has_more": end < len(ordered),
                "resume_cursor": resume,
            }
            if self.fault == "bad_shape":
                page["entries"] = [{"seq": 1}]
            return JSONResponse(self.signed(page))

        @app.post("/linkage/v1/check")
        async def check(request: Request) -> Response:
            if (bad := faulty()) is not None:
                return bad
            asked = (await request.json())["subjects"]
            self.checks.append({"subjects": asked, "purpose": request.headers.get("x-purpose")})
            answers = []
            for subject in asked:
                records = [
                    e["record"]
                    for e in self.entries
                    if e["record"].get("status") == "active"
                    and (
                        e["subject"].get("uscc") == subject.get("uscc")
                        or subject.get("linkage_key") in e["subject"].get("linkage_keys", [])
                    )
                ]
                flags = self.flags.get(subject.get("uscc", ""), [])
                answers.append({"subject": subject, "found": bool(records or flags),
                                "records": records, "flags": flags})  # fmt: skip
            return JSONResponse(answers)  # a list, in order, as the real check answers

        return app
