"""The one place configuration comes from.

Every value is read from the environment (or a ``.env`` file) by :class:`Settings`; nothing
else in the code base reads ``os.environ``. Secrets have development defaults so that the
demo runs on a fresh machine, and those defaults are refused in any other environment.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.vocabulary import DELTA_PROVINCES, RECORD_CATEGORIES

DEV_NEO4J_PASSWORD = "credit-graph-dev"
DEV_PID_KEY = "credit-graph-dev-pid-key-not-for-production"
DEV_SECRETS = {DEV_NEO4J_PASSWORD, DEV_PID_KEY}
# The linkage key the four demo provinces share (graph/linkage/PROTOCOL.md).
DEV_LINKAGE_KEY_VERSION = "v1"
DEV_LINKAGE_KEY = "credit-graph-dev-linkage-key-not-for-production"


def dev_signing_key(province: str) -> str:
    """A province's development feed-signing key (base64 raw Ed25519 private key), derived
    from its code so that each demo province knows the others' public keys."""
    seed = hashlib.sha256(f"credit-graph-dev-signing-key|{province}".encode()).digest()
    return base64.b64encode(seed).decode()


def public_key_of(signing_key: str) -> str:
    """The base64 raw Ed25519 public key of a base64 raw private key."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing_key))
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def dev_signing_key_id(province: str) -> str:
    return f"{province}-dev"


def dev_cursor_key(province: str) -> str:
    return f"credit-graph-dev-cursor-key-{province}-not-for-production"


def dev_partner_api_key(own: str, partner: str) -> str:
    """The development key province ``own`` presents to ``partner``."""
    return f"credit-graph-dev-partner-key-{own}-at-{partner}"


def _dev_linkage_secrets() -> set[str]:
    # Dev public keys too: a registry trusting one trusts a private key anyone can derive.
    return {
        DEV_LINKAGE_KEY,
        *(public_key_of(dev_signing_key(p)) for p in DELTA_PROVINCES),
        *(dev_signing_key(p) for p in DELTA_PROVINCES),
        *(dev_cursor_key(p) for p in DELTA_PROVINCES),
        *(dev_partner_api_key(a, b) for a in DELTA_PROVINCES for b in DELTA_PROVINCES),
    }


class Partner(BaseModel):
    """One partner province of the registry (graph/linkage/PROTOCOL.md, "Configuration")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Base URL of the partner's API (sync, federated review).")
    api_key: SecretStr = Field(description="The key this instance presents to the partner.")
    public_keys: dict[str, str] = Field(
        default_factory=dict, description="key_id -> base64 raw Ed25519 key signing its pages."
    )
    scope: frozenset[str] = Field(
        default=RECORD_CATEGORIES, description="Categories of our records it may see."
    )
    timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("scope")
    @classmethod
    def _known_categories(cls, scope: frozenset[str]) -> frozenset[str]:
        unknown = sorted(scope - RECORD_CATEGORIES)
        if unknown:
            raise ValueError(f"unknown record categories in scope: {unknown}")
        return scope

    @field_validator("public_keys")
    @classmethod
    def _raw_ed25519(cls, keys: dict[str, str]) -> dict[str, str]:
        for key_id, encoded in keys.items():
            try:
                raw = base64.b64decode(encoded, validate=True)
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"public key {key_id!r} is not base64 of 32 raw bytes")
        return keys


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
    # This province's own: across borders persons match by linkage key (`linkage_keys` below).
    pid_key: SecretStr = SecretStr(DEV_PID_KEY)
    province_code: str = "32"
    # Genuine early pilot USCCs that fail the 18th check character (domain.md).
    uscc_allow_list: list[str] = ["91350100M0001TGQXM"]

    # --- Loading. `credit-graph load` fails (exit 1) when a file loses more than this share of
    # its rows of a kind (CREDIT_GRAPH_MAX_REJECTED_SHARE, e.g. 0.05); unset: only a file that
    # loses every row fails. `--max-rejected-share` overrides it for one load.
    max_rejected_share: float | None = Field(default=None, ge=0, le=1)

    # --- Rules and policy: versioned data files. Unset means the files shipped beside the code
    # (graph/propagation/rules/default.yaml, graph/review/policy.yaml). One setting each, read
    # by every command and the API alike, so flags are never derived under rules other than the ones
    # the API explains them with.
    rules_path: Path | None = None
    review_policy_path: Path | None = None

    # --- Reach. A run whose flagged subjects per sanctioned subject grow by more than this
    # factor (in all, by rule or by kind) is reported by `propagate` and /readyz as a warning.
    reach_warning_factor: float = Field(default=2.0, ge=1.0)

    # --- Resolution: candidate pairs scoring below this are not proposed (bench/resolution.py
    # measures precision and recall by threshold).
    resolution_min_score: float = Field(default=0.8, ge=0.0, le=1.0)

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

    # --- Linkage (信用长三角, graph/linkage/PROTOCOL.md). In development each unset value
    # takes a default derived from the province code, so four demo provinces agree; in any
    # other environment an unset value leaves linkage off (its endpoints answer 503) and a
    # development value is refused.
    partners: dict[str, Partner] | None = None
    signing_key: SecretStr | None = None  # base64 raw Ed25519 private key
    signing_key_id: str | None = None
    linkage_keys: dict[str, SecretStr] | None = None  # version -> shared secret
    linkage_key_current: str | None = None
    cursor_key: SecretStr | None = None
    # Change-log entries older than this are pruned; a cursor before them answers 410.
    feed_retention_days: int = Field(default=30, ge=1)

    # --- Dashboards. A sign-in lasts this long; the cookie is signed with the secret, or,
    # unset, with a random one per process (sign-ins then end when the server restarts; set
    # it when several processes serve the dashboards).
    dashboard_session_hours: float = Field(default=8.0, gt=0)
    dashboard_session_secret: SecretStr | None = None
    # Failed dashboard sign-ins per client address: a token bucket refilled at this rate,
    # holding at most this many; an address out of tokens is refused before its key is looked up.
    sign_in_failures_per_s: float = Field(default=0.1, gt=0)
    sign_in_failures_burst: int = Field(default=10, ge=1)
    # Where background callbacks (long work) keep their jobs' state; unset, a folder of the
    # system's temporary directory, one per process.
    dashboard_cache_dir: Path | None = None
    # How often the dashboards look for a new propagation run, to compute the pages' first
    # answers before anyone asks (dashboards/kept.py); 0: never, the first viewer waits.
    dashboard_warm_every_s: float = Field(default=5.0, ge=0)

    @model_validator(mode="after")
    def _linkage_defaults(self) -> Settings:
        if self.environment == "development":
            own = self.province_code
            if self.signing_key is None:
                self.signing_key = SecretStr(dev_signing_key(own))
                self.signing_key_id = self.signing_key_id or dev_signing_key_id(own)
            if self.linkage_keys is None:
                self.linkage_keys = {DEV_LINKAGE_KEY_VERSION: SecretStr(DEV_LINKAGE_KEY)}
            if self.cursor_key is None:
                self.cursor_key = SecretStr(dev_cursor_key(own))
            if self.partners is None:
                self.partners = {
                    code: Partner(
                        url=f"http://127.0.0.1:80{code}",
                        api_key=SecretStr(dev_partner_api_key(own, code)),
                        public_keys={
                            dev_signing_key_id(code): public_key_of(dev_signing_key(code))
                        },
                    )
                    for code in sorted(DELTA_PROVINCES - {own})
                }
        if self.partners is None:
            self.partners = {}
        if self.linkage_keys and self.linkage_key_current is None and len(self.linkage_keys) == 1:
            self.linkage_key_current = next(iter(self.linkage_keys))
        self._check_linkage()
        return self

    def _check_linkage(self) -> None:
        assert self.partners is not None
        for code in self.partners:
            if code not in DELTA_PROVINCES or code == self.province_code:
                raise ValueError(f"partner {code!r}: not another Delta province")
        if self.signing_key is not None:
            if self.signing_key_id is None:
                raise ValueError("signing_key_id: required with a signing_key")
            try:
                public_key_of(self.signing_key.get_secret_value())
            except ValueError:
                raise ValueError("signing_key: not base64 of a 32-byte Ed25519 key") from None
        if self.linkage_keys is not None and self.linkage_key_current not in self.linkage_keys:
            raise ValueError("linkage_key_current: must name one of linkage_keys")
        if self.linkage_keys is not None:
            for version in self.linkage_keys:
                if not version or ":" in version:
                    raise ValueError(f"linkage key version {version!r}: non-empty, no ':'")

    def linkage_secrets(self) -> tuple[tuple[str, bytes], ...]:
        """The shared linkage keys as (version, secret), sorted by version."""
        return tuple(
            (version, secret.get_secret_value().encode())
            for version, secret in sorted((self.linkage_keys or {}).items())
        )

    @property
    def linkage_configured(self) -> bool:
        """Whether this instance can publish: it signs, keys persons and issues cursors."""
        return None not in (self.signing_key, self.cursor_key, self.linkage_keys)

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
        weak = [
            name
            for name in ("neo4j_password", "pid_key")
            if getattr(self, name).get_secret_value() in DEV_SECRETS
        ]
        linkage = _dev_linkage_secrets()
        for name in ("signing_key", "cursor_key"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and value.get_secret_value() in linkage:
                weak.append(name)
        if any(v.get_secret_value() in linkage for v in (self.linkage_keys or {}).values()):
            weak.append("linkage_keys")
        if any(
            p.api_key.get_secret_value() in linkage
            or not linkage.isdisjoint(p.public_keys.values())
            for p in (self.partners or {}).values()
        ):
            weak.append("partners")
        return weak

    @cached_property
    def uses_embedded_neo4j(self) -> bool:
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.embedded_port}"


def get_settings() -> Settings:
    return Settings()
