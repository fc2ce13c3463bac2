"""Signed pages: canonical JSON and Ed25519 (PROTOCOL.md, "Page format").

A page is signed over its canonical JSON without its ``signature`` member; the verifier
serialises what it received the same way, so any change to any member fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ALGORITHM = "Ed25519"


class SignatureRefused(ValueError):
    """A page whose signature is missing, malformed, by an unknown key, or does not verify."""


def canonical_json(value: Any) -> bytes:
    """The one serialisation pages are signed in.

    >>> canonical_json({"b": 1, "a": "江苏"})
    b'{"a":"\\xe6\\xb1\\x9f\\xe8\\x8b\\x8f","b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _unsigned(page: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in page.items() if k != "signature"})


def sign_page(page: Mapping[str, Any], signing_key: str, key_id: str) -> dict[str, Any]:
    """``page`` with ``key_id`` and ``signature`` (base64) added; ``signing_key`` is the
    base64 raw 32-byte private key."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing_key))
    signed = {**page, "key_id": key_id}
    signature = private.sign(_unsigned(signed))
    return {**signed, "signature": base64.b64encode(signature).decode()}


def verify_page(page: Mapping[str, Any], public_keys: Mapping[str, str]) -> None:
    """Raise :class:`SignatureRefused` unless ``page`` is signed by one of ``public_keys``
    (key_id -> base64 raw public key), over exactly what it holds."""
    key_id, signature = page.get("key_id"), page.get("signature")
    if not isinstance(key_id, str) or not isinstance(signature, str):
        raise SignatureRefused("the page carries no key_id or signature")
    encoded = public_keys.get(key_id)
    if encoded is None:
        raise SignatureRefused(f"the page is signed by unknown key {key_id!r}")
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded))
        public.verify(base64.b64decode(signature, validate=True), _unsigned(page))
    except (InvalidSignature, ValueError):
        raise SignatureRefused(f"the page's signature does not verify under {key_id!r}") from None


def page_digest(page: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the signed page as canonical JSON, signature included: the
    ``source_page`` a subscriber keeps with each record it writes from the page."""
    return hashlib.sha256(canonical_json(page)).hexdigest()
