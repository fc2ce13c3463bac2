"""A real Neo4j Community server run by the project itself, from Maven Central jars.

Neo4j's own download site is out of reach on our machines, so the DBMS comes from the
``org.neo4j:neo4j`` artifact, resolved once by Maven into a cache folder, and is started by
``Launcher.java`` beside this module (compiled once into the same cache). One server per
data directory and port; pid files live in ``<cache_dir>/run/<port>.pid``, so ``status`` and
``stop`` find every server without being told where it was started.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from graph.settings import Settings

HERE = Path(__file__).resolve().parent
LAUNCHER_LOG = "launcher.log"
READY_PREFIX = "READY "
MIN_JAVA = 17

# The module-system openings Neo4j's own start scripts pass on Java 17.
JVM_OPENS = [
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
]


class EmbeddedNeo4jError(RuntimeError):
    """The embedded server could not be fetched, started, or stopped; the message says why."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    data_dir: str
    version: str
    started_at: float

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


# --- jars -------------------------------------------------------------------------------


def lib_dir(settings: Settings) -> Path:
    return settings.cache_dir / f"neo4j-{settings.neo4j_version}" / "lib"


def ensure_jars(settings: Settings) -> Path:
    """Resolve the Neo4j jars into the cache once; later calls return at once."""
    return _build_once(
        lib_dir(settings), ".complete", lambda staging: _fetch_jars(settings, staging)
    )


def _fetch_jars(settings: Settings, staging: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EmbeddedNeo4jError("Maven (mvn) is not on PATH; it is needed once to fetch Neo4j")
    cmd = [
        mvn, "-q", "-B", "-f", str(HERE / "pom.xml"),
        f"-Dneo4j.version={settings.neo4j_version}",
        "dependency:copy-dependencies", "-DincludeScope=runtime",
        f"-DoutputDirectory={staging}",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise EmbeddedNeo4jError(
            "fetching Neo4j jars from Maven Central failed:\n" + (done.stdout + done.stderr)[-2000:]
        )
    (staging / ".complete").touch()


def compiled_launcher(settings: Settings, libs: Path) -> Path:
    """Compile Launcher.java once per source version; a class directory for ``-cp``.

    The single-file source launcher would recompile on every start (several seconds).
    """
    source = HERE / "Launcher.java"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    classes = lib_dir(settings).parent / f"launcher-{digest}"

    def compile_into(staging: Path) -> None:
        javac = shutil.which("javac")
        if javac is None:
            raise EmbeddedNeo4jError(
                f"javac is not on PATH; a JDK {MIN_JAVA}+ runs the embedded Neo4j"
            )
        done = subprocess.run(
            [javac, "-cp", f"{libs}/*", "-d", str(staging), str(source)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise EmbeddedNeo4jError(f"compiling {source.name} failed:\n{done.stderr[-2000:]}")

    return _build_once(classes, "Launcher.class", compile_into)


def _build_once(target: Path, done: str, build: Callable[[Path], None]) -> Path:
    """The cache entry ``target``, built by ``build`` unless ``target/done`` already exists.

    Two first starts at once (a test suite and a demo, two CI jobs on one cache) must not
    build into the same directory or rename over each other: the build runs under an
    exclusive lock, into a fresh temporary directory renamed into place only when complete,
    so a reader never sees half an entry and whoever waited on the lock finds it built.
    """
    if (target / done).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a") as lock:
        # Released when the file closes, and by the kernel if this process dies holding it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / done).exists():
            return target
        # Under the lock nobody else is building: what a killed build left is garbage.
        for stale in target.parent.glob(f"{target.name}.*.partial"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f"{target.name}.", suffix=".partial", dir=target.parent)
        )
        try:
            build(staging)
            # An entry without its marker is an interrupted build of an older release.
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def java_major_version() -> int:
    java = shutil.which("java")
    if java is None:
        raise EmbeddedNeo4jError(f"java is not on PATH; Java {MIN_JAVA}+ runs the embedded Neo4j")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)', out)
    if not match:
        raise EmbeddedNeo4jError(f"cannot read the Java version from: {out.strip()}")
    return int(match.group(1))


# --- sizes ------------------------------------------------------------------------------

_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str) -> int:
    """``512m`` → bytes. The same spelling the JVM's -Xmx takes."""
    match = re.fullmatch(r"(\d+)([kmg]?)", text.strip().lower())
    if not match:
        raise EmbeddedNeo4jError(f"not a memory size: {text!r} (use e.g. 512m or 2g)")
    return int(match.group(1)) * _UNITS.get(match.group(2), 1)


# --- state ------------------------------------------------------------------------------


def run_dir(settings: Settings) -> Path:
    """Where the pid files live: one per running server, named by port."""
    return settings.cache_dir / "run"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def running_servers(settings: Settings) -> list[ServerState]:
    """Every server started by this machine's credit-graph that is still alive."""
    alive = []
    for pid_file in sorted(run_dir(settings).glob("*.pid")):
        try:
            state = ServerState(**json.loads(pid_file.read_text()))
        except (OSError, ValueError, TypeError):
            pid_file.unlink(missing_ok=True)
            continue
        if _pid_alive(state.pid):
            alive.append(state)
        else:
            pid_file.unlink(missing_ok=True)
    return alive


def _pid_file(settings: Settings, port: int) -> Path:
    return run_dir(settings) / f"{port}.pid"


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _bolt_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --- start / stop / status ----------------------------------------------------------------


def start(
    settings: Settings,
    port: int | None = None,
    data_dir: Path | None = None,
    timeout: float = 180.0,
    tied_to_pid: int | None = None,
) -> ServerState:
    """Start a server and return once Bolt accepts connections.

    Fails fast (no waiting) when the port is taken or the data directory already has a
    running server; fails with the server's own last words when it exits during start-up
    (a store locked by a foreign process, a bad setting). With ``tied_to_pid`` the server
    stops itself when that process ends (test suites).
    """
    port = port or settings.embedded_port
    data_dir = (data_dir or settings.embedded_data_dir).resolve()
    for running in running_servers(settings):
        if Path(running.data_dir) == data_dir:
            raise EmbeddedNeo4jError(
                f"data directory {data_dir} is locked by the server at {running.uri} "
                f"(pid {running.pid}); stop it first or choose another --data-dir"
            )
    if port_in_use(port):
        raise EmbeddedNeo4jError(
            f"port {port} on 127.0.0.1 is already in use; choose another --port"
        )
    if (major := java_major_version()) < MIN_JAVA:
        raise EmbeddedNeo4jError(f"Java {major} found; the embedded Neo4j needs Java {MIN_JAVA}+")
    libs = ensure_jars(settings)
    launcher = compiled_launcher(settings, libs)

    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / LAUNCHER_LOG
    heap = settings.embedded_heap
    cmd = [
        "java", f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
        "-Dfile.encoding=UTF-8", *JVM_OPENS,
        "-cp", f"{libs}/*:{launcher}", "Launcher",
        str(data_dir), str(port), str(parse_size(settings.embedded_pagecache)),
    ]  # fmt: skip
    env = {**os.environ, "NEO4J_AUTH_PASSWORD": settings.neo4j_password.get_secret_value()}
    if tied_to_pid is not None:
        env["CREDIT_GRAPH_PARENT_PID"] = str(tied_to_pid)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    state = ServerState(proc.pid, port, str(data_dir), settings.neo4j_version, time.time())
    pid_file = _pid_file(settings, port)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(json.dumps(asdict(state)))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_file.unlink(missing_ok=True)
            raise EmbeddedNeo4jError(
                f"Neo4j exited during start-up (code {proc.returncode}); "
                f"last lines of {log_path}:\n{_tail(log_path)}"
            )
        if READY_PREFIX in log_path.read_text(errors="replace") and _bolt_answers(port):
            return state
        time.sleep(0.25)
    _terminate(proc.pid, grace=10)
    pid_file.unlink(missing_ok=True)
    raise EmbeddedNeo4jError(f"Neo4j did not become ready within {timeout:.0f}s; see {log_path}")


def stop(state: ServerState, settings: Settings, timeout: float = 60.0) -> None:
    """Shut a server down cleanly and forget it."""
    _terminate(state.pid, grace=timeout)
    _pid_file(settings, state.port).unlink(missing_ok=True)


def _terminate(pid: int, grace: float) -> None:
    # SIGTERM runs the launcher's shutdown hook (a clean store shutdown); SIGKILL only if
    # the JVM is still there after the grace period, so no JVM is ever left behind.
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            _reap(pid)
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def describe(state: ServerState) -> dict[str, object]:
    """What runs where, for ``credit-graph neo4j status``."""
    return {
        "pid": state.pid,
        "uri": state.uri,
        "data_dir": state.data_dir,
        "version": state.version,
        "uptime_s": round(time.time() - state.started_at, 1),
        "bolt_answers": _bolt_answers(state.port),
        "rss_mb": _rss_mb(state.pid),
    }


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
