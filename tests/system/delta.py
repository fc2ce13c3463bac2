"""Four live provinces on loopback: the harness of the 信用长三角 system test and benchmark.

Each :class:`Instance` is a province as it would run: its own embedded Neo4j (bounded heap
and page cache) over its own data directory, seeded by the generator with the cross-border
subjects the four share, its API keys made by ``credit-graph keys create``, and its API a
``credit-graph serve`` subprocess configured by environment alone, so a test can kill a
province and bring it back. Every command a province runs (``load``, ``linkage sync``) runs
the same way, with that province's environment.

Nothing here asserts: the tests and the benchmark say what must be true.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from neo4j import GraphDatabase
from pydantic import SecretStr

from graph.settings import Settings
from graph.store.embedded import server
from graph.vocabulary import RECORD_CATEGORIES
from loaders.synthetic import generate_province
from loaders.synthetic.geography import province_of

CODES: Final = ("31", "32", "33", "34")
NAMES: Final = {"31": "Shanghai", "32": "Jiangsu", "33": "Zhejiang", "34": "Anhui"}
# Small enough to load in seconds, large enough to hold every kind of subject and record.
ORGS: Final = 100
SHARED_SEED: Final = 2008  # the year the Delta's credit cooperation began
SHARED_ORGS: Final = 24  # twelve cross-border pairs: every border has three
# Four Neo4j servers on a shared 2-core machine: bounded so that they fit beside the rest.
HEAP: Final = "256m"
PAGECACHE: Final = "64m"
# Zhejiang does not share its tax records with Anhui: the scope test asks for them anyway.
OUT_OF_SCOPE: Final = ("33", "34", "tax")
COMMAND_TIMEOUT_S: Final = 300
BIN: Final = Path(sys.executable).parent
CLI: Final = str(BIN / "credit-graph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _own_environment() -> dict[str, str]:
    """This process's environment without any of ours: an instance is configured by what
    the harness sets, never by the shell the suite happens to run in."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CREDIT_GRAPH_", "NEO4J_")) or k == "CREDIT_GRAPH_CACHE_DIR"
    }


@dataclass
class SigningKey:
    key_id: str
    private: str  # base64 raw 32 bytes
    public: str

    @classmethod
    def generate(cls, key_id: str) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return cls(key_id, _b64(private), _b64(public))


@dataclass
class Memory:
    """Resident memory of one province's processes, in MiB: now and at peak (VmHWM)."""

    neo4j_rss: float
    neo4j_peak: float
    api_rss: float
    api_peak: float

    @property
    def total_peak(self) -> float:
        return self.neo4j_peak + self.api_peak


def _proc_mib(pid: int | None, field_name: str) -> float:
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return 0.0
    return 0.0


@dataclass
class Instance:
    """One province: its Neo4j, its files, its keys, its API subprocess."""

    code: str
    root: Path
    shared_secret: str  # the Delta's linkage key (v1), the same in all four
    orgs: int = ORGS
    shared_orgs: int = SHARED_ORGS
    heap: str = HEAP
    pagecache: str = PAGECACHE
    neo4j_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    pid_key: str = field(default_factory=lambda: secrets.token_hex(16))
    neo4j_password: str = field(default_factory=lambda: secrets.token_hex(12))
    cursor_key: str = field(default_factory=lambda: secrets.token_hex(16))
    signing: SigningKey = field(init=False)
    neo4j: server.ServerState | None = None
    api: subprocess.Popen[bytes] | None = None
    partners: dict[str, dict[str, object]] = field(default_factory=dict)
    # Keys issued by this province, by role or partner code: the key and its id.
    keys: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    peak: Memory | None = None

    def __post_init__(self) -> None:
        self.signing = SigningKey.generate(f"{self.code}-1")

    @property
    def name(self) -> str:
        return NAMES[self.code]

    @property
    def abbr(self) -> str:
        """The prefix of the province's department codes (ZJ-GYFY)."""
        return province_of(self.code).abbr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def settings(self) -> Settings:
        """The settings of the embedded server (the harness starts it in-process)."""
        return Settings(
            environment="test",
            province_code=self.code,
            embedded_port=self.neo4j_port,
            embedded_data_dir=self.root / "neo4j",
            embedded_heap=self.heap,
            embedded_pagecache=self.pagecache,
            neo4j_password=SecretStr(self.neo4j_password),
            pid_key=SecretStr(self.pid_key),
        )

    def environment(
        self, partners: Mapping[str, Mapping[str, object]] | None = None
    ) -> dict[str, str]:
        """The environment of every command this province runs (graph/settings.py)."""
        env = {
            **_own_environment(),
            "CREDIT_GRAPH_ENVIRONMENT": "test",
            "CREDIT_GRAPH_PROVINCE_CODE": self.code,
            "CREDIT_GRAPH_EMBEDDED_PORT": str(self.neo4j_port),
            "CREDIT_GRAPH_EMBEDDED_DATA_DIR": str(self.root / "neo4j"),
            "NEO4J_PASSWORD": self.neo4j_password,
            "CREDIT_GRAPH_PID_KEY": self.pid_key,
            "CREDIT_GRAPH_SIGNING_KEY": self.signing.private,
            "CREDIT_GRAPH_SIGNING_KEY_ID": self.signing.key_id,
            "CREDIT_GRAPH_LINKAGE_KEYS": json.dumps({"v1": self.shared_secret}),
            "CREDIT_GRAPH_LINKAGE_KEY_CURRENT": "v1",
            "CREDIT_GRAPH_CURSOR_KEY": self.cursor_key,
            # The partners' syncs and reviews are this API's heaviest callers.
            "CREDIT_GRAPH_RATE_LIMIT_PER_S": "500",
            "CREDIT_GRAPH_RATE_LIMIT_BURST": "1000",
        }
        registry = self.partners if partners is None else partners
        if registry:
            env["CREDIT_GRAPH_PARTNERS"] = json.dumps(registry)
        return env

    # --- commands ---------------------------------------------------------------------

    def cli(
        self,
        *args: str,
        partners: Mapping[str, Mapping[str, object]] | None = None,
        check: bool = True,
        timeout: float = COMMAND_TIMEOUT_S,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``credit-graph <args>`` as this province (cwd: its root, so no .env is read)."""
        result = subprocess.run(
            [CLI, *args],
            cwd=self.root,
            env=self.environment(partners),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{self.name}: credit-graph {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """``credit-graph <args>`` in the background, its output piped."""
        return subprocess.Popen(
            [CLI, *args],
            cwd=self.root,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def create_key(self, holder: str, role: str) -> None:
        """A key of ``role`` for ``holder``, made by ``credit-graph keys create``, which
        prints "key <id> for role <role>:" and the key."""
        output = self.cli("keys", "create", "--role", role, "--name", "system test").stdout
        words = output.split()
        self.key_ids[holder], self.keys[holder] = words[1], words[-1]

    def query(self, cypher: str, **parameters: object) -> list[dict[str, Any]]:
        """Read this province's graph directly: what its sync wrote, not what its API says."""
        auth = ("neo4j", self.neo4j_password)
        with GraphDatabase.driver(f"bolt://127.0.0.1:{self.neo4j_port}", auth=auth) as driver:
            records, _, _ = driver.execute_query(cypher, parameters, routing_="r")
            return [record.data() for record in records]

    # --- life cycle -------------------------------------------------------------------

    def seed(self) -> None:
        """Neo4j up, schema, the generated province loaded, the keys made."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.neo4j = server.start(self.settings, tied_to_pid=os.getpid())
        generate_province(
            self.files,
            self.orgs,
            seed=int(self.code),
            province=self.code,
            shared_seed=SHARED_SEED,
            shared_orgs=self.shared_orgs,
        )
        self.cli("schema", "apply")
        self.cli("load", str(self.files), "--rejects", str(self.root / "rejects.csv"))
        for role in ("regulator", "admin"):
            self.create_key(role, role)
        for code in CODES:
            if code != self.code:
                self.create_key(code, f"partner:{code}")

    def start_api(self, timeout: float = 120.0) -> None:
        log = (self.root / "api.log").open("a")
        self.api = subprocess.Popen(
            [CLI, "serve", "--port", str(self.api_port)],
            cwd=self.root,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api.poll() is not None:
                raise RuntimeError(f"{self.name}'s API exited; see {self.root / 'api.log'}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}'s API did not become ready; see {self.root / 'api.log'}")

    def kill_api(self) -> None:
        """SIGKILL: no shutdown hook, no goodbye, as when a machine dies."""
        if self.api is not None and self.api.poll() is None:
            self.api.send_signal(signal.SIGKILL)
            self.api.wait(timeout=30)
        self.api = None

    def stop(self) -> None:
        if self.api is not None and self.api.poll() is None:
            self.api.terminate()
            try:
                self.api.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.api.kill()
                self.api.wait()
        self.api = None
        if self.neo4j is not None:
            server.stop(self.neo4j, self.settings)
            self.neo4j = None

    def memory(self) -> Memory:
        """Resident memory of the Java and the API process now, and at their peak; the
        peak seen over the run is kept in :attr:`peak`."""
        neo4j_pid = self.neo4j.pid if self.neo4j else None
        api_pid = self.api.pid if self.api and self.api.poll() is None else None
        now = Memory(
            _proc_mib(neo4j_pid, "VmRSS"),
            _proc_mib(neo4j_pid, "VmHWM"),
            _proc_mib(api_pid, "VmRSS"),
            _proc_mib(api_pid, "VmHWM"),
        )
        if self.peak is not None:
            now.neo4j_peak = max(now.neo4j_peak, self.peak.neo4j_peak)
            now.api_peak = max(now.api_peak, self.peak.api_peak)
        self.peak = now
        return now

    # --- HTTP -------------------------------------------------------------------------

    def client(self, role: str = "regulator", timeout: float = 60.0) -> httpx.Client:
        """An HTTP client of this province's API with one of its own keys."""
        headers = {"X-API-Key": self.keys[role], "X-Purpose": "four-province system test"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def partner_client(self, partner: Instance, timeout: float = 60.0) -> httpx.Client:
        """A client of *this* province's linkage API, calling as ``partner`` does."""
        headers = {
            "Authorization": f"Bearer {self.keys[partner.code]}",
            "X-Purpose": "four-province system test",
        }
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)


def scope_for(publisher: str, partner: str) -> list[str]:
    """The categories of ``publisher``'s records ``partner`` may see: all, but for one."""
    if (publisher, partner) == OUT_OF_SCOPE[:2]:
        return sorted(RECORD_CATEGORIES - {OUT_OF_SCOPE[2]})
    return sorted(RECORD_CATEGORIES)


def registry_entry(
    instance: Instance, partner: Instance, *, url: str | None = None, public_key: str | None = None
) -> dict[str, object]:
    """``instance``'s registry entry for ``partner`` (PROTOCOL.md, "Configuration")."""
    return {
        "url": url or partner.url,
        "api_key": partner.keys[instance.code],
        "public_keys": {partner.signing.key_id: public_key or partner.signing.public},
        "scope": scope_for(instance.code, partner.code),
        "timeout_s": 5,
    }


class Delta:
    """The provinces (by default the four), seeded in parallel and served."""

    def __init__(self, root: Path, codes: tuple[str, ...] = CODES, **sizes: Any) -> None:
        """``sizes``: ``orgs``, ``shared_orgs``, ``heap`` or ``pagecache`` of each instance."""
        shared = secrets.token_hex(32)
        self.instances = {code: Instance(code, root / code, shared, **sizes) for code in codes}

    def __getitem__(self, code: str) -> Instance:
        return self.instances[code]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.instances.values())

    def start(self) -> None:
        with ThreadPoolExecutor(len(CODES)) as pool:
            list(pool.map(Instance.seed, self.instances.values()))
        for instance in self.instances.values():
            instance.partners = {
                code: registry_entry(instance, partner)
                for code, partner in self.instances.items()
                if code != instance.code
            }
        with ThreadPoolExecutor(len(CODES)) as pool:
            list(pool.map(Instance.start_api, self.instances.values()))

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.instances)) as pool:
            list(pool.map(Instance.stop, self.instances.values()))

    def memory(self) -> dict[str, Memory]:
        return {code: instance.memory() for code, instance in self.instances.items()}


def memory_table(memory: Mapping[str, Memory], heap: str = HEAP, pagecache: str = PAGECACHE) -> str:
    """What the four used: a line per province and the total, in MiB."""
    lines = [
        f"{'province':<10}{'neo4j rss':>11}{'peak':>8}{'api rss':>10}{'peak':>8}",
    ]
    for code, m in memory.items():
        lines.append(
            f"{code} {NAMES[code]:<7}{m.neo4j_rss:>11.0f}{m.neo4j_peak:>8.0f}"
            f"{m.api_rss:>10.0f}{m.api_peak:>8.0f}"
        )
    total = sum(m.total_peak for m in memory.values())
    lines.append(
        f"{len(memory)} provinces, peak resident memory: {total:.0f} MiB "
        f"(Neo4j heap {heap}, page cache {pagecache} each)"
    )
    return "\n".join(lines)
