"""The linkage key: how a person is matched across the Delta without a raw ID number.

``linkage_key = "<version>:" + hex(HMAC-SHA256(shared_key[version], normalised_id_number))``
(PROTOCOL.md, "Linkage key"). The shared keys are the four provinces' own, unlike the pid
key, so a partner can match a person it knows but cannot resolve our pids.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from graph.identifiers import id_check_char, validate_id_number

_LINKAGE_KEY = re.compile(r"[^:\s]{1,32}:[0-9a-f]{64}")


def normalised_id_number(id_number: str) -> str:
    """The validated 18-character number, upper-cased; a 15-digit (pre-1999) number is first
    widened to 18 (born 19xx, check character computed), so both forms of one person's
    number give one key.

    >>> normalised_id_number("110105491231002")
    '11010519491231002X'
    """
    stripped = id_number.strip()
    if len(stripped) == 15 and stripped.isdigit():
        first17 = stripped[:6] + "19" + stripped[6:]
        stripped = first17 + id_check_char(first17)
    return validate_id_number(stripped)


def linkage_key(id_number: str, version: str, secret: bytes) -> str:
    """The linkage key of an ID number under one version of the shared key.

    Raises :class:`~graph.identifiers.InvalidIdentifier` for an invalid number, and
    ``ValueError`` for an empty secret (an unkeyed hash of the small ID space is reversible).
    """
    if not secret:
        raise ValueError("the linkage key must not be empty")
    digest = hmac.new(secret, normalised_id_number(id_number).encode(), hashlib.sha256)
    return f"{version}:{digest.hexdigest()}"


def linkage_keys(id_number: str, secrets: Mapping[str, bytes]) -> list[str]:
    """The person's linkage keys under every configured version, sorted by version: during a
    rotation both are published and accepted."""
    return [linkage_key(id_number, v, secrets[v]) for v in sorted(secrets)]


def is_linkage_key(value: str) -> bool:
    """Whether ``value`` has a linkage key's shape (``<version>:`` and 64 hex digits).

    >>> is_linkage_key("v1:" + "0" * 64), is_linkage_key("91320214745555318W")
    (True, False)
    """
    return _LINKAGE_KEY.fullmatch(value) is not None
