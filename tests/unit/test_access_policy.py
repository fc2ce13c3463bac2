"""Who may do what: one table (graph.access) that the API's routes and the dashboards read."""

from __future__ import annotations

from graph.access import may, roles_with


def test_subject_level_data_is_the_regulators_and_admins() -> None:
    assert roles_with("subject_level") == ["regulator", "admin"]
    assert roles_with("aggregates") == ["regulator", "analyst", "admin"]


def test_an_unknown_or_partner_role_may_nothing() -> None:
    assert not may("partner:31", "aggregates")
    assert not may("nobody", "subject_level")
