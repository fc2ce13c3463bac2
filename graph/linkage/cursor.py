"""Feed cursors: opaque to the partner, tamper-evident, and bound to the partner.

A cursor is ``base64url(json) + "." + base64url(HMAC-SHA256(cursor_key, partner | json))``:
the position (the last ``seq`` delivered, and for a snapshot the record id reached and the
feed position to resume at) is readable by us only in the sense that nothing else may be
trusted of it; a changed byte or another partner's cursor fails the MAC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Literal

from graph.errors import DomainError

CursorKind = Literal["feed", "snapshot"]


class BadCursor(DomainError, ValueError):
    """A cursor that fails its MAC, was issued to another partner, or is not one at all."""


@dataclass(frozen=True)
class Position:
    kind: CursorKind
    seq: int  # feed: the last seq delivered; snapshot: the feed seq to resume at
    after_record: str | None = None  # snapshot: the last record_id delivered


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, partner: str, body: bytes) -> bytes:
    return hmac.new(key, partner.encode() + b"|" + body, hashlib.sha256).digest()


def encode_cursor(position: Position, partner: str, key: bytes) -> str:
    body = json.dumps(asdict(position), sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(body)}.{_b64(_mac(key, partner, body))}"


def decode_cursor(cursor: str, partner: str, key: bytes, kind: CursorKind) -> Position:
    """The position of a cursor this instance issued to ``partner`` for ``kind``; raises
    :class:`BadCursor` otherwise (the message never says which check failed)."""
    try:
        body_text, mac_text = cursor.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise BadCursor("the cursor is not one this instance issued", field="cursor") from None
    if not hmac.compare_digest(mac, _mac(key, partner, body)):
        raise BadCursor(
            "the cursor is not one this instance issued to this partner", field="cursor"
        )
    fields = json.loads(body)
    position = Position(fields["kind"], int(fields["seq"]), fields.get("after_record"))
    if position.kind != kind:
        raise BadCursor(
            f"a {position.kind} cursor was given where a {kind} cursor belongs", field="cursor"
        )
    return position
