"""Secure by default: weak secrets are refused outside development, and development secrets
never serve beyond loopback, whatever the environment says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from api.cli import main
from graph.access import InvalidRole, validate_role
from graph.settings import DEV_PID_KEY, Settings

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
