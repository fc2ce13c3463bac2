"""The deployment files agree with the code: docker-compose.yml, the Dockerfile, Settings.

No Docker engine is needed: the files are parsed, and the app service's environment is fed to
the real Settings class to prove that every variable it sets is read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, SecretStr

from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# A compose reference ${NAME}, ${NAME:-default}, ${NAME:?message} …; `$${` is an escape.
VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def app_env(compose: dict[str, Any]) -> dict[str, str]:
    return environment_of(compose["services"]["app"])


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment in either compose form (mapping or ``NAME=value`` list)."""
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def references(value: str) -> list[tuple[str, str]]:
    """The (variable, operator) pairs a compose value interpolates."""
    return [(m["name"], m["op"] or "") for m in VARIABLE.finditer(value)]


def interpolate(value: str, given: dict[str, str]) -> str:
    """Resolve a value as compose would with ``given`` set and nothing else."""

    def resolve(match: re.Match[str]) -> str:
        if match["name"] in given:
            return given[match["name"]]
        if (match["op"] or "").endswith("-"):
            return match["arg"]
        raise AssertionError(f"{match[0]} has no value and no default")

    return VARIABLE.sub(resolve, value)


def settings_env_names() -> dict[str, str]:
    """Every environment name Settings reads, mapped to its field, from the model itself."""
    config = Settings.model_config
    fold = (lambda name: name) if config.get("case_sensitive") else str.upper
    prefix = config.get("env_prefix", "")
    names: dict[str, str] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        # pydantic-settings still reads the prefixed field name beside an alias when
        # populate_by_name is set (the round-trip test below would catch a change).
        if alias is None or config.get("populate_by_name"):
            names[fold(prefix + field)] = field
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        names.update({fold(choice): field for choice in choices if isinstance(choice, str)})
    return names


def container_port(mapping: str | int | dict[str, Any]) -> str:
    if isinstance(mapping, dict):
        return str(mapping["target"])
    return interpolate(str(mapping), {}).rsplit(":", 1)[-1].split("/")[0]


def secret_fields() -> set[str]:
    return {name for name, info in Settings.model_fields.items() if info.annotation is SecretStr}


# --------------------------------------------------------------------------- neo4j service


def test_both_services_present(compose: dict[str, Any]) -> None:
    assert {"neo4j", "app"} <= set(compose["services"])


def test_neo4j_image_is_pinned_community_526(compose: dict[str, Any]) -> None:
    assert compose["services"]["neo4j"]["image"] == "neo4j:5.26-community"


def test_neo4j_has_a_healthcheck(compose: dict[str, Any]) -> None:
    check = compose["services"]["neo4j"]["healthcheck"]
    command = " ".join(check["test"]) if isinstance(check["test"], list) else check["test"]
    assert not check.get("disable", False)
    assert "RETURN 1" in command or "7474" in command


def test_neo4j_data_is_on_a_declared_named_volume(compose: dict[str, Any]) -> None:
    mounts = {}
    for volume in compose["services"]["neo4j"]["volumes"]:
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume["source"]
        else:
            source, target = volume.split(":")[:2]
            mounts[target] = source
    assert mounts["/data"] in compose["volumes"]


def test_neo4j_memory_is_set(compose: dict[str, Any]) -> None:
    env = environment_of(compose["services"]["neo4j"])
    for name in ("NEO4J_server_memory_heap_max__size", "NEO4J_server_memory_pagecache_size"):
        assert re.fullmatch(r"\d+[kmg]", interpolate(env[name], {})), name


def test_ports(compose: dict[str, Any], app_env: dict[str, str]) -> None:
    services = compose["services"]
    assert "7687" in {container_port(p) for p in services["neo4j"]["ports"]}
    app_ports = {container_port(p) for p in services["app"]["ports"]}
    assert app_ports == {"8000"} == {interpolate(app_env["CREDIT_GRAPH_API_PORT"], {})}


# --------------------------------------------------------------------------- app service


def test_app_is_built_here_and_waits_for_a_healthy_neo4j(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    build = app["build"] if isinstance(app["build"], dict) else {"context": app["build"]}
    assert (ROOT / build["context"] / build.get("dockerfile", "Dockerfile")).is_file()
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_app_runs_in_production_against_the_neo4j_service(app_env: dict[str, str]) -> None:
    assert app_env["CREDIT_GRAPH_ENVIRONMENT"] == "production"
    assert app_env["NEO4J_URI"] == "bolt://neo4j:7687"


def test_every_app_variable_is_a_setting(app_env: dict[str, str]) -> None:
    accepted = settings_env_names()
    fold = (lambda n: n) if Settings.model_config.get("case_sensitive") else str.upper
    unknown = sorted(name for name in app_env if fold(name) not in accepted)
    assert not unknown, f"Settings reads none of {unknown}"


def test_app_environment_round_trips_through_settings(
    app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # so a developer's .env cannot answer for the compose file
    accepted = settings_env_names()
    for name in list(os.environ):
        if name.upper() in accepted:
            monkeypatch.delenv(name)
    given = {
        name: f"compose-test-{name.lower()}" for v in app_env.values() for name, _ in references(v)
    }
    resolved = {name: interpolate(value, given) for name, value in app_env.items()}
    for name, value in resolved.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    for name, value in resolved.items():
        actual = getattr(settings, accepted[name.upper()])
        if isinstance(actual, SecretStr):
            actual = actual.get_secret_value()
        assert str(actual) == value, name
    assert not settings.uses_embedded_neo4j


def test_app_password_is_the_variable_neo4j_auth_uses(
    compose: dict[str, Any], app_env: dict[str, str]
) -> None:
    auth = environment_of(compose["services"]["neo4j"])["NEO4J_AUTH"]
    user, _, password = auth.partition("/")
    assert user == app_env["NEO4J_USER"]
    auth_variables = {name for name, _ in references(password)}
    assert len(auth_variables) == 1
    assert {name for name, _ in references(app_env["NEO4J_PASSWORD"])} == auth_variables


def test_secrets_have_no_default(compose: dict[str, Any], app_env: dict[str, str]) -> None:
    accepted = settings_env_names()
    secret_values = [v for n, v in app_env.items() if accepted.get(n.upper()) in secret_fields()]
    secret_values.append(environment_of(compose["services"]["neo4j"])["NEO4J_AUTH"])
    assert len(secret_values) >= 3  # NEO4J_PASSWORD, CREDIT_GRAPH_PID_KEY, NEO4J_AUTH
    for value in secret_values:
        refs = references(value)
        assert refs, f"{value!r} hardcodes a secret"
        assert all(op in {"?", ":?"} for _, op in refs), f"{value!r} has a default secret"


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_installs_the_package_and_serves_on_all_interfaces() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    assert any(re.search(r"\bpip install \.(\s|$)", line) for line in lines)
    assert "EXPOSE 8000" in lines
    assert lines[-1] == 'CMD ["credit-graph", "serve", "--host", "0.0.0.0"]'
