"""HTTP to one partner province's ``/linkage/v1`` endpoints (PROTOCOL.md), with bounded
retries.

A connection error, a timeout or a 5xx is retried a bounded number of times with exponential
backoff and full jitter, so a partner that is briefly down is waited for but a partner that
stays down costs at most ``attempts`` timeouts. Anything else the partner answers that is not
a well-formed page — a 4xx, a body that is not JSON, JSON of the wrong shape — is a
:class:`PartnerError` naming the partner and what was wrong, never a crash of the caller.
A 410 on the feed is :class:`CursorExpired`: the subscriber resyncs from the snapshot.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

PREFIX = "/linkage/v1"
PROTOCOL = "credit-graph-linkage/1"
PAGE_LIMIT = 500
PAGE_MEMBERS: Mapping[str, type | tuple[type, ...]] = {
    "protocol": str,
    "province": str,
    "kind": str,
    "entries": list,
    "has_more": bool,
    "key_id": str,
    "signature": str,
}


class PartnerError(Exception):
    """A partner did not answer usefully; the message names it and says what went wrong."""


class CursorExpired(PartnerError):
    """The stored cursor is older than the partner's retained window (410): resync from the
    snapshot."""


@dataclass(frozen=True)
class PartnerEndpoint:
    """Where a partner is and how we present ourselves to it (from the partner registry)."""

    code: str
    url: str
    api_key: str
    timeout_s: float = 5.0


@dataclass(frozen=True)
class Retry:
    """Bounded retries: ``attempts`` tries in all, the n-th waiting up to
    ``base_s * 2**n`` (capped at ``cap_s``), a uniform fraction of it (full jitter), so the
    subscribers of four provinces do not retry in step."""

    attempts: int = 4
    base_s: float = 0.2
    cap_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


class PartnerClient:
    """One partner's endpoints. ``sleep`` waits between retries (a test passes its own to
    count them rather than wait)."""

    def __init__(
        self,
        partner: PartnerEndpoint,
        purpose: str,
        retry: Retry | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.partner = partner
        self._retry = retry or Retry()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=partner.url.rstrip("/"),
            timeout=partner.timeout_s,
            headers={
                "Authorization": f"Bearer {partner.api_key}",
                "X-API-Key": partner.api_key,
                "X-Purpose": purpose,
            },
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def catalogue(self) -> dict[str, Any]:
        return self._json_object("GET", f"{PREFIX}/catalogue")

    def feed_page(self, cursor: str | None, limit: int = PAGE_LIMIT) -> dict[str, Any]:
        return self._page("feed", cursor, limit)

    def snapshot_page(self, cursor: str | None, limit: int = PAGE_LIMIT) -> dict[str, Any]:
        return self._page("snapshot", cursor, limit)

    def check(self, subjects: list[dict[str, str]]) -> Any:
        """The partner's answer as it sent it (a JSON list, one answer per subject; or an
        object holding it as ``results`` with a signature)."""
        return self._json("POST", f"{PREFIX}/check", json={"subjects": subjects})

    def _page(self, kind: str, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = self._json_object("GET", f"{PREFIX}/{kind}", params=params)
        check_page_shape(page, kind, self.partner.code)
        return page

    def _json_object(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        body = self._json(method, path, **options)
        if not isinstance(body, dict):
            raise PartnerError(
                f"partner {self.partner.code}: {path} answered JSON that is not an object"
            )
        return body

    def _json(self, method: str, path: str, **options: Any) -> Any:
        response = self._send(method, path, **options)
        code = self.partner.code
        if response.status_code == 410:
            raise CursorExpired(f"partner {code}: {path} answered 410, the cursor has expired")
        if response.status_code >= 400:
            raise PartnerError(
                f"partner {code}: {path} answered {response.status_code}: "
                f"{_problem_title(response)}"
            )
        try:
            return response.json()
        except ValueError:
            raise PartnerError(f"partner {code}: {path} answered a body that is not JSON") from None

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        last = ""
        for attempt in range(self._retry.attempts):
            if attempt:
                self._sleep(self._retry.delay(attempt - 1))
            try:
                response = self._http.request(method, path, **options)
            except httpx.TimeoutException:
                last = f"no answer within {self.partner.timeout_s:g}s"
                continue
            except httpx.TransportError as exc:
                last = f"cannot connect ({type(exc).__name__})"
                continue
            if response.status_code < 500:
                return response
            last = f"answered {response.status_code}"
        raise PartnerError(
            f"partner {self.partner.code}: {path} {last}, {self._retry.attempts} attempts"
        )


def check_page_shape(page: Mapping[str, Any], kind: str, code: str) -> None:
    """Refuse a page that is not one of PROTOCOL.md's, before its signature is even looked
    at: a member missing or of the wrong type, another protocol, or another kind."""
    for name, expected in PAGE_MEMBERS.items():
        if not isinstance(page.get(name), expected):
            raise PartnerError(f"partner {code}: {kind} page has no valid {name!r}")
    if page["protocol"] != PROTOCOL:
        raise PartnerError(f"partner {code}: {kind} page speaks {page['protocol']!r}")
    if page["kind"] != kind:
        raise PartnerError(f"partner {code}: asked for a {kind} page, got {page['kind']!r}")
    if page["province"] != code:
        raise PartnerError(f"partner {code}: page claims province {page['province']!r}")
    if page["has_more"] and not isinstance(page.get("next_cursor"), str):
        raise PartnerError(f"partner {code}: {kind} page has more but no next_cursor")
    for entry in page["entries"]:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("op"), str)
            and isinstance(entry.get("record"), dict)
            and isinstance(entry.get("subject"), dict)
        ):
            raise PartnerError(f"partner {code}: {kind} page holds a malformed entry")


def _problem_title(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "(no problem document)"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or "(no detail)")[:200]
    return "(no problem document)"
