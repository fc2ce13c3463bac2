"""The linkage building blocks: linkage keys, signed pages, cursors (PROTOCOL.md)."""

from __future__ import annotations

import base64

import pytest

from graph.errors import InvalidInput, NotPermitted
from graph.identifiers import InvalidIdentifier
from graph.linkage.check import SubjectKey
from graph.linkage.cursor import BadCursor, Position, decode_cursor, encode_cursor
from graph.linkage.feed import scoped_categories
from graph.linkage.keys import is_linkage_key, linkage_key, linkage_keys
from graph.linkage.signing import (
    SignatureRefused,
    canonical_json,
    page_digest,
    sign_page,
    verify_page,
)
from graph.settings import dev_signing_key, public_key_of

ID_18 = "11010519491231002X"
ID_15 = "110105491231002"
SECRETS = {"v1": b"shared-one", "v2": b"shared-two"}


def test_a_linkage_key_is_versioned_and_keyed() -> None:
    key = linkage_key(ID_18, "v1", b"shared-one")

    assert key.startswith("v1:") and is_linkage_key(key)
    assert ID_18 not in key
    assert key != linkage_key(ID_18, "v1", b"another-key")
    assert linkage_key(ID_18.lower(), "v1", b"shared-one") == key


def test_the_old_15_digit_number_gives_the_key_of_its_18_digit_form() -> None:
    assert linkage_key(ID_15, "v1", b"k") == linkage_key(ID_18, "v1", b"k")


def test_every_configured_version_is_computed_during_a_rotation() -> None:
    keys = linkage_keys(ID_18, SECRETS)

    assert [k.split(":")[0] for k in keys] == ["v1", "v2"]
    assert keys[0] == linkage_key(ID_18, "v1", b"shared-one")


def test_an_invalid_number_or_an_empty_key_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        linkage_key("110105194912310021", "v1", b"k")
    with pytest.raises(ValueError, match="empty"):
        linkage_key(ID_18, "v1", b"")


PAGE = {
    "protocol": "credit-graph-linkage/1",
    "province": "33",
    "partner": "32",
    "kind": "feed",
    "entries": [{"seq": 1, "op": "upsert", "record": {"record_id": "ZJ-1", "basis": "浙江"}}],
    "next_cursor": "abc",
    "has_more": False,
}
KEY = dev_signing_key("33")
PUBLIC = {"33-dev": public_key_of(KEY)}


def test_a_signed_page_verifies_and_any_change_fails() -> None:
    signed = sign_page(PAGE, KEY, "33-dev")
    verify_page(signed, PUBLIC)

    tampered = {**signed, "entries": [{**signed["entries"][0], "op": "revocation"}]}
    with pytest.raises(SignatureRefused, match="does not verify"):
        verify_page(tampered, PUBLIC)
    with pytest.raises(SignatureRefused, match="unknown key"):
        verify_page({**signed, "key_id": "33-2"}, PUBLIC)
    with pytest.raises(SignatureRefused, match="no key_id or signature"):
        verify_page(PAGE, PUBLIC)
    other = {"33-dev": public_key_of(dev_signing_key("31"))}
    with pytest.raises(SignatureRefused):
        verify_page(signed, other)


def test_a_signature_covers_the_canonical_form_not_the_member_order() -> None:
    signed = sign_page(PAGE, KEY, "33-dev")
    reordered = dict(reversed(list(signed.items())))

    verify_page(reordered, PUBLIC)
    assert canonical_json(reordered) == canonical_json(signed)
    assert len(base64.b64decode(signed["signature"])) == 64
    assert page_digest(reordered) == page_digest(signed)


CURSOR_KEY = b"cursor-key"


def test_a_cursor_round_trips_for_its_partner_only() -> None:
    position = Position("snapshot", 41, "JS-1")
    cursor = encode_cursor(position, "33", CURSOR_KEY)

    assert decode_cursor(cursor, "33", CURSOR_KEY, "snapshot") == position
    with pytest.raises(BadCursor, match="this partner"):
        decode_cursor(cursor, "31", CURSOR_KEY, "snapshot")
    with pytest.raises(BadCursor, match="feed cursor belongs"):
        decode_cursor(cursor, "33", CURSOR_KEY, "feed")


@pytest.mark.parametrize("mangle", [lambda c: c[:-2] + "AA", lambda c: "x" + c, lambda c: "nope"])
def test_a_tampered_cursor_is_refused(mangle: object) -> None:
    cursor = encode_cursor(Position("feed", 7), "33", CURSOR_KEY)

    with pytest.raises(BadCursor):
        decode_cursor(mangle(cursor), "33", CURSOR_KEY, "feed")  # type: ignore[operator]


def test_a_subject_key_is_a_uscc_or_a_linkage_key_of_the_current_version() -> None:
    key = "v1:" + "ab" * 32

    assert SubjectKey.parse(key, "v1") == SubjectKey(linkage_key=key)
    assert SubjectKey.parse("91320214745555318w", "v1") == SubjectKey(uscc="91320214745555318W")
    assert SubjectKey.parse("91350100M0001TGQXM", "v1", ["91350100M0001TGQXM"]).uscc
    with pytest.raises(InvalidInput, match="version 'v1'"):
        SubjectKey.parse("v2:" + "ab" * 32, "v1")
    with pytest.raises(InvalidInput):
        SubjectKey.parse(ID_18, "v1")  # an ID number is no key
    with pytest.raises(InvalidInput, match="exactly one"):
        SubjectKey(uscc="91320214745555318W", linkage_key=key).checked("v1")


def test_a_category_outside_the_scope_is_refused_not_dropped() -> None:
    scope = frozenset({"tax", "judgment_debtor"})

    assert scoped_categories(scope, None) == ["judgment_debtor", "tax"]
    assert scoped_categories(scope, ["tax"]) == ["tax"]
    with pytest.raises(NotPermitted, match="outside this partner's scope"):
        scoped_categories(scope, ["tax", "food_drug"])
    with pytest.raises(InvalidInput, match="unknown categories"):
        scoped_categories(scope, ["gossip"])
