"""Who may call: API keys (``X-API-Key``), roles, and the per-key rate limit."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from api.deps import RepositoryDep
from api.problems import Forbidden, TooManyRequests, Unauthorized
from graph.access import Capability, Principal, authenticate, may, roles_with
from graph.ratelimit import RateLimiter, retry_after_header

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="A key from `credit-graph keys create`; a partner province may send it as "
    "`Authorization: Bearer <key>` instead (graph/linkage/PROTOCOL.md).",
)
_BEARER = "bearer "


class KeyCache:
    """Verified keys for a short while, so a request costs no extra database round trip."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl = ttl_s
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def cached(self, presented: str) -> Principal | None:
        hit = self._entries.get(_digest(presented))
        if hit is not None and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        return None

    def verify(self, presented: str, lookup: Callable[[str], Principal | None]) -> Principal | None:
        """Look the key up (blocking) and remember the answer."""
        principal = lookup(presented)
        digest = _digest(presented)
        with self._lock:
            if principal is None:
                self._entries.pop(digest, None)
            else:
                self._entries[digest] = (time.monotonic(), principal)
        return principal


def _digest(presented: str) -> str:
    # The cache is keyed by a digest so that it never holds a usable key.
    return hashlib.sha256(presented.encode()).hexdigest()


async def current_principal(
    request: Request,
    repo: RepositoryDep,
    presented: Annotated[str | None, Security(api_key_header)] = None,
) -> Principal:
    # The bearer form is read here rather than declared as a second security scheme: the
    # document keeps one way to authenticate, and the linkage protocol's form still works.
    authorization = request.headers.get("authorization", "")
    if not presented and authorization[: len(_BEARER)].lower() == _BEARER:
        presented = authorization[len(_BEARER) :].strip()
    limiter: RateLimiter = request.app.state.rate_limiter
    # Failed authentication is limited per client address, with the same bucket size as a
    # key: otherwise guessing keys, or a client stuck on a revoked one, costs a database
    # lookup per request without limit.
    address = f"address:{request.client.host if request.client else 'unknown'}"
    if not presented:
        _refuse_unauthenticated(limiter, address, "send an API key in the X-API-Key header")
    cache: KeyCache = request.app.state.key_cache
    principal = cache.cached(presented)
    if principal is None:
        # An address out of tokens is refused before its key costs a lookup.
        if (wait := limiter.wait(address)) > 0:
            raise TooManyRequests(
                "too many requests without a valid key from this address",
                headers=retry_after_header(wait),
            )
        # Async, so that the common case (a cached key) needs no thread; a lookup blocks,
        # so it goes to the thread pool.
        principal = await run_in_threadpool(
            cache.verify, presented, lambda key: authenticate(repo, key)
        )
    if principal is None:
        _refuse_unauthenticated(limiter, address, "the API key is unknown, malformed or revoked")
    if (wait := limiter.acquire(principal.key_id)) > 0:
        raise TooManyRequests("rate limit exceeded for this key", headers=retry_after_header(wait))
    request.state.principal = principal
    return principal


def _refuse_unauthenticated(limiter: RateLimiter, address: str, reason: str) -> NoReturn:
    if (wait := limiter.acquire(address)) > 0:
        raise TooManyRequests(
            "too many requests without a valid key from this address",
            headers=retry_after_header(wait),
        )
    raise Unauthorized(reason)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting the given roles; ``partner`` admits every ``partner:<code>``."""

    async def check(principal: PrincipalDep) -> Principal:
        role = "partner" if principal.partner_province else principal.role
        if role not in roles:
            raise Forbidden(f"role {principal.role!r} may not do this; needs one of {list(roles)}")
        return principal

    return check


def require_capability(capability: Capability) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting the roles that have ``capability`` (graph.access, the table
    the dashboards read too)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not may(principal.role, capability):
            raise Forbidden(
                f"role {principal.role!r} may not do this; needs one of {roles_with(capability)}"
            )
        return principal

    return check


# Regulators see subject-level data; analysts see aggregates and masked networks.
Regulator = Annotated[Principal, Depends(require_capability("subject_level"))]
Reader = Annotated[Principal, Depends(require_capability("aggregates"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Partner = Annotated[Principal, Depends(require("partner"))]
