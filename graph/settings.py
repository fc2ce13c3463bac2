"""The one place configuration comes from.

Every value is read from the environment (or a ``.env`` file) by :class:`Settings`; nothing
else in the code base reads ``os.environ``. Secrets have development defaults so that the
demo runs on a fresh machine, and those defaults are refused in any other environment.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_NEO4J_PASSWORD = "credit-graph-dev"
DEV_PID_KEY = "credit-graph-dev-pid-key-not-for-production"
DEV_SECRETS = {DEV_NEO4J_PASSWORD, DEV_PID_KEY}


def _default_cache_dir() -> Path:
    # XDG is honoured so the ~120 MB of Neo4j jars are fetched once per machine, not per clone.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "credit-graph"


class InsecureSettingsError(ValueError):
    """A development default secret was found outside development."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CREDIT_GRAPH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"

    # --- Neo4j. With no URI the CLI runs the embedded server (graph.store.embedded).
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER"))
    neo4j_password: SecretStr = Field(
        default=SecretStr(DEV_NEO4J_PASSWORD), validation_alias=AliasChoices("NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE"))
    # Transaction timeouts, enforced by the server. Every statement of a request or of a
    # load's batch ends within query_timeout_s (a request over it answers 503); whole-graph
    # streams and schema work, which only commands run, within bulk_timeout_s.
    query_timeout_s: float = Field(default=30.0, gt=0)
    bulk_timeout_s: float = Field(default=1800.0, gt=0)

    # --- Embedded Neo4j (only used when neo4j_uri is unset).
    embedded_port: int = 7687
    embedded_data_dir: Path = Path(".credit-graph/neo4j")
    embedded_heap: str = "1g"
    embedded_pagecache: str = "512m"
    neo4j_version: str = "5.26.30"
    cache_dir: Path = Field(default_factory=_default_cache_dir)

    # --- Identity. The pid key is the HMAC key that turns a resident ID number into `pid`.
    # It is the key the Delta provinces share, so a person matches across borders by pid alone.
    pid_key: SecretStr = SecretStr(DEV_PID_KEY)
    province_code: str = "32"
    # Genuine early pilot USCCs that fail the 18th check character (domain.md).
    uscc_allow_list: list[str] = ["91350100M0001TGQXM"]

    # --- Rules and policy: versioned data files. Unset means the files shipped beside the code
    # (graph/propagation/rules/default.yaml, graph/review/policy.yaml). One setting each, read
    # by every command and the API alike, so flags are never derived under rules other than the ones
    # the API explains them with.
    rules_path: Path | None = None
    review_policy_path: Path | None = None

    # --- Reach. A run whose flagged subjects per sanctioned subject grow by more than this
    # factor (in all, by rule or by kind) is reported by `propagate` and /readyz as a warning.
    reach_warning_factor: float = Field(default=2.0, ge=1.0)

    # --- Subject rights. Shanghai and Zhejiang decide an objection within 5 working days.
    objection_deadline_working_days: int = 5

    # --- Serving.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Per API key: a token bucket refilled at rate_limit_per_s, holding at most rate_limit_burst.
    rate_limit_per_s: float = 20.0
    rate_limit_burst: int = 60
    # A verified key is trusted this long before it is looked up again, so a revocation takes
    # effect within this many seconds.
    api_key_cache_s: float = 30.0
    # A request body larger than this is refused (413) before it is read: a review of 1,000
    # subjects, the largest body the API takes, is under 100 KiB.
    max_body_bytes: int = 1024 * 1024

    # --- Dashboards. A sign-in lasts this long; the cookie is signed with the secret, or,
    # unset, with a random one per process (sign-ins then end when the server restarts; set
    # it when several processes serve the dashboards).
    dashboard_session_hours: float = Field(default=8.0, gt=0)
    dashboard_session_secret: SecretStr | None = None
    # Where background callbacks (long work) keep their jobs' state; unset, a folder of the
    # system's temporary directory, one per process.
    dashboard_cache_dir: Path | None = None

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "development":
            return self
        weak = self.development_secrets()
        # An empty pid key would make every pid an unkeyed hash of the ID number, which a
        # dictionary of the ~10^9 valid ID numbers reverses.
        if not self.pid_key.get_secret_value().strip():
            weak.append("pid_key")
        if weak:
            raise InsecureSettingsError(
                f"{', '.join(weak)}: empty or still the development default; "
                f"set them before running with environment={self.environment}"
            )
        return self

    def development_secrets(self) -> list[str]:
        """The secrets that still hold their development default."""
        return [
            name
            for name in ("neo4j_password", "pid_key")
            if getattr(self, name).get_secret_value() in DEV_SECRETS
        ]

    @cached_property
    def uses_embedded_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.embedded_port}"


def get_settings() -> Settings:
    return Settings()
