"""API keys: issued once, stored hashed, each bound to one role; and what each role may do.

A key reads ``cg_<key_id>_<secret>``. Only SHA-256 of the secret is stored: the secret is
32 random bytes, so unlike an ID number it cannot be brute-forced and needs no slow hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from graph.store.queries import access as queries
from graph.store.repository import Repository
from graph.vocabulary import DELTA_PROVINCES

FIXED_ROLES = ("regulator", "analyst", "admin")
_PROVINCES = "|".join(sorted(DELTA_PROVINCES))
PARTNER_ROLE = re.compile(r"partner:(" + _PROVINCES + ")")
KEY_FORMAT = re.compile(r"cg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


class InvalidRole(ValueError):
    pass


# What a role may see (design.md, roles), the one table the API's routes and the dashboards'
# pages and controls both read. Subject-level data (records, findings, credit reviews and
# reports, paths between two subjects) is the regulator's; an analyst sees aggregates and
# networks whose persons are aliased; an admin both. A partner sees only its linkage scope,
# which the linkage routes check themselves.
Capability = Literal["subject_level", "aggregates"]
CAPABILITIES: dict[str, frozenset[Capability]] = {
    "regulator": frozenset({"subject_level", "aggregates"}),
    "analyst": frozenset({"aggregates"}),
    "admin": frozenset({"subject_level", "aggregates"}),
}


def may(role: str, capability: Capability) -> bool:
    """Whether ``role`` has ``capability``; an unknown role has none."""
    return capability in CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability) -> list[str]:
    """The roles that have ``capability``, for messages."""
    return [role for role in FIXED_ROLES if may(role, capability)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and role (never the secret)."""

    key_id: str
    role: str
    name: str

    @property
    def partner_province(self) -> str | None:
        match = PARTNER_ROLE.fullmatch(self.role)
        return match.group(1) if match else None


def validate_role(role: str, own_province: str) -> str:
    """``role`` if a key may hold it on the instance of ``own_province``: a partner is another
    province, so this instance's own code is no partner role (it would see this province's
    records through the linkage scope, as if they were shared with it)."""
    if role in FIXED_ROLES:
        return role
    match = PARTNER_ROLE.fullmatch(role)
    if match and match.group(1) == own_province:
        raise InvalidRole(f"{role!r} is this instance's own province, not a partner")
    if match:
        return role
    raise InvalidRole(
        f"unknown role {role!r}: use regulator, analyst, admin or partner:<{_PROVINCES}>"
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    repo: Repository, role: str, name: str, *, own_province: str
) -> tuple[Principal, str]:
    """Create a key for ``role`` on the instance of ``own_province``; returns the principal
    and the full key, which is shown only this once."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    repo.write(
        queries.CREATE_API_KEY,
        key_id=key_id,
        secret_hash=_hash(secret),
        role=validate_role(role, own_province),
        name=name,
    )
    return Principal(key_id, role, name), f"cg_{key_id}_{secret}"


def authenticate(repo: Repository, presented: str) -> Principal | None:
    """The principal of a presented key, or None if it is malformed, unknown or revoked."""
    match = KEY_FORMAT.fullmatch(presented.strip())
    if not match:
        return None
    key_id, secret = match.groups()
    row = repo.read_one(queries.FIND_API_KEY, key_id=key_id)
    if row is None or row["revoked"]:
        return None
    if not hmac.compare_digest(row["secret_hash"], _hash(secret)):
        return None
    return Principal(row["key_id"], row["role"], row["name"])


def principal_of_key_id(repo: Repository, key_id: str) -> Principal | None:
    """The principal of a key already authenticated once (a dashboard session names its key
    by id, never by secret), or None once it is revoked or gone."""
    row = repo.read_one(queries.FIND_API_KEY, key_id=key_id)
    if row is None or row["revoked"]:
        return None
    return Principal(row["key_id"], row["role"], row["name"])


def list_keys(repo: Repository) -> list[dict[str, str | None]]:
    return repo.read(queries.LIST_API_KEYS)


def revoke_key(repo: Repository, key_id: str) -> bool:
    return bool(repo.write_returning(queries.REVOKE_API_KEY, key_id=key_id))
