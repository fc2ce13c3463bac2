"""The partner client's refusals and retry bounds, against a port where nothing listens."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from graph.linkage.client import (
    PROTOCOL,
    PartnerClient,
    PartnerEndpoint,
    PartnerError,
    Retry,
    check_page_shape,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _page(**changes: Any) -> dict[str, Any]:
    page = {"protocol": PROTOCOL, "province": "33", "kind": "feed", "entries": [],
            "has_more": False, "next_cursor": "c", "key_id": "k", "signature": "s"}  # fmt: skip
    return {**page, **changes}


def test_a_partner_that_is_down_costs_a_bounded_number_of_attempts() -> None:
    waits: list[float] = []
    endpoint = PartnerEndpoint("33", f"http://127.0.0.1:{_closed_port()}", "key", 0.5)
    client = PartnerClient(endpoint, "test", Retry(attempts=3, base_s=1, cap_s=2), waits.append)
    with client, pytest.raises(PartnerError, match=r"partner 33: .*cannot connect.*3 attempts"):
        client.feed_page(None)
    assert len(waits) == 2
    assert 0 <= waits[0] <= 1 and 0 <= waits[1] <= 2  # exponential, capped, jittered


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"entries": "nope"}, "no valid 'entries'"),
        ({"protocol": "other/9"}, "speaks 'other/9'"),
        ({"kind": "snapshot"}, "got 'snapshot'"),
        ({"province": "34"}, "claims province '34'"),
        ({"has_more": True, "next_cursor": None}, "no next_cursor"),
        ({"entries": [{"op": "upsert"}]}, "malformed entry"),
        ({"signature": None}, "no valid 'signature'"),
    ],
)
def test_a_page_of_the_wrong_shape_is_refused_by_name(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PartnerError, match=message):
        check_page_shape(_page(**changes), "feed", "33")


def test_a_page_of_the_right_shape_passes() -> None:
    check_page_shape(_page(), "feed", "33")
