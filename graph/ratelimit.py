"""Token buckets in process memory: the API's per API key and per client address for failed
authentication (api/auth.py), the dashboards' per client address for failed sign-ins
(dashboards/session.py).

One process serves the API and the dashboards, so the buckets need no shared store; behind
several workers each would limit on its own, which only makes the effective limit N times
larger.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_second: float, burst: int, monotonic: Callable[[], float]) -> None:
        """``monotonic`` is the clock buckets refill by (the services' clock in the app)."""
        self._rate = per_second
        self._burst = burst
        self._monotonic = monotonic
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take a token for ``key``; returns 0 if granted, else seconds until one is free."""
        with self._lock:
            bucket = self._refilled(key)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self._rate

    def wait(self, key: str) -> float:
        """Seconds until ``key`` has a token (0 if it has one now), taking none."""
        with self._lock:
            bucket = self._refilled(key)
            return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self._rate

    def _refilled(self, key: str) -> _Bucket:
        now = self._monotonic()
        bucket = self._buckets.setdefault(key, _Bucket(float(self._burst), now))
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        return bucket


def retry_after_header(wait_s: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait_s)))}
