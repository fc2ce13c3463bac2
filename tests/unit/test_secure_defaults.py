"""Secure by default: weak secrets are refused outside development, and development secrets
never serve beyond loopback, whatever the environment says."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from api.cli import main
from graph.access import InvalidRole, validate_role
from graph.settings import (
    DEV_LINKAGE_KEY,
    DEV_LINKAGE_KEY_VERSION,
    DEV_PID_KEY,
    Settings,
    dev_cursor_key,
    dev_partner_api_key,
    dev_signing_key,
    public_key_of,
)

STRONG = {"neo4j_password": "a-real-password", "pid_key": "a-real-pid-key-from-the-custodian"}


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings read the environment and a .env file: neither may answer for these tests.
    monkeypatch.chdir(tmp_path)
    for name in ("NEO4J_PASSWORD", "NEO4J_URI"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("CREDIT_GRAPH_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("pid_key", ["", "   ", DEV_PID_KEY])
def test_an_empty_or_default_pid_key_is_refused_outside_development(
    environment: str, pid_key: str
) -> None:
    with pytest.raises(ValidationError, match="pid_key"):
        Settings(environment=environment, **{**STRONG, "pid_key": pid_key})


def test_real_secrets_are_accepted_in_production() -> None:
    assert Settings(environment="production", **STRONG).pid_key.get_secret_value()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "credit.example.cn"])
def test_serve_beyond_loopback_refuses_development_secrets(host: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--host", host, "--port", "1"])

    assert result.exit_code == 1
    assert "development default" in result.output
    assert "neo4j_password" in result.output and "pid_key" in result.output


def test_demo_beyond_loopback_refuses_development_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CREDIT_GRAPH_API_HOST", "0.0.0.0")

    result = CliRunner().invoke(main, ["demo"])

    assert result.exit_code == 1
    assert "development default" in result.output


def test_the_image_runs_in_production() -> None:
    dockerfile = Path(__file__).resolve().parents[2] / "Dockerfile"
    env_lines = [
        line.strip()
        for line in dockerfile.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("ENV ")
    ]
    assert "ENV CREDIT_GRAPH_ENVIRONMENT=production" in env_lines


def test_a_partner_role_for_the_instances_own_province_is_refused() -> None:
    assert validate_role("partner:31", "32") == "partner:31"
    with pytest.raises(InvalidRole, match="own province"):
        validate_role("partner:32", "32")
    assert validate_role("partner:32", "31") == "partner:32"


def test_keys_create_refuses_the_own_province_as_partner() -> None:
    result = CliRunner().invoke(main, ["keys", "create", "--role", "partner:32"])

    assert result.exit_code == 2
    assert "own province" in result.output


def test_development_derives_linkage_defaults_the_four_provinces_agree_on() -> None:
    jiangsu, zhejiang = Settings(province_code="32"), Settings(province_code="33")

    assert jiangsu.linkage_configured and zhejiang.linkage_configured
    assert jiangsu.linkage_keys == zhejiang.linkage_keys
    assert set(jiangsu.partners or {}) == {"31", "33", "34"}
    assert zhejiang.signing_key is not None and jiangsu.partners is not None
    assert jiangsu.partners["33"].public_keys == {
        zhejiang.signing_key_id: public_key_of(zhejiang.signing_key.get_secret_value())
    }


def test_outside_development_linkage_is_off_until_configured() -> None:
    settings = Settings(environment="production", **STRONG)

    assert not settings.linkage_configured
    assert settings.partners == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("signing_key", dev_signing_key("32")),
        ("cursor_key", dev_cursor_key("32")),
        ("linkage_keys", {DEV_LINKAGE_KEY_VERSION: DEV_LINKAGE_KEY}),
        (
            "partners",
            {"33": {"url": "https://zj.example", "api_key": dev_partner_api_key("32", "33")}},
        ),
        (
            "partners",
            {
                "33": {
                    "url": "https://zj.example",
                    "api_key": "a-real-partner-key",
                    "public_keys": {"33-dev": public_key_of(dev_signing_key("33"))},
                }
            },
        ),
    ],
)
def test_development_linkage_secrets_are_refused_outside_development(
    name: str, value: object
) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings(environment="production", signing_key_id="32-1", **{**STRONG, name: value})


def test_a_real_linkage_configuration_is_accepted_in_production() -> None:
    settings = Settings(
        environment="production",
        signing_key=base64.b64encode(bytes(range(32))).decode(),
        signing_key_id="32-1",
        linkage_keys={"v2": "a-real-shared-key"},
        cursor_key="a-real-cursor-key",
        partners={
            "33": {
                "url": "https://zj.example",
                "api_key": "a-real-partner-key",
                "public_keys": {"33-1": base64.b64encode(bytes(32)).decode()},
                "scope": ["tax"],
            }
        },
        **STRONG,
    )

    assert settings.linkage_configured and settings.linkage_key_current == "v2"
    assert settings.partners is not None and settings.partners["33"].scope == {"tax"}


def test_a_partner_that_is_not_another_delta_province_is_refused() -> None:
    with pytest.raises(ValidationError, match="not another Delta province"):
        Settings(partners={"32": {"url": "http://x", "api_key": "k"}})
