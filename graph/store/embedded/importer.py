"""Neo4j's offline importer (``neo4j-admin database import full``), run from the same Maven
Central jars as the embedded server.

The importer lives in ``org.neo4j:neo4j-import-tool`` and its command line in
``org.neo4j:neo4j-command-line`` (main class ``org.neo4j.cli.AdminTool``); ``pom.xml``
names both at the server's version, so :func:`graph.store.embedded.server.ensure_jars`
caches them with the server's jars and one classpath runs either. The importer writes the
store of a stopped server: ``NEO4J_HOME`` is the server's data directory (the launcher
runs the DBMS with that home), so the files land where the server will open them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.settings import Settings
from graph.store.embedded.server import JVM_OPENS, EmbeddedNeo4jError, ensure_jars

ADMIN_MAIN = "org.neo4j.cli.AdminTool"
# The importer works off-heap (its caches are sized by --max-off-heap-memory); its heap
# holds the command and the id mapping's bookkeeping only.
IMPORTER_HEAP = "2g"  # 1g: the importer warns it may be too small at 1M organisations


@dataclass(frozen=True)
class ImportFiles:
    """One ``--nodes``/``--relationships`` group: a label set (``Subject:Organization``) or a
    relationship type, and its files (the first one's first line is the header)."""

    what: str
    files: tuple[Path, ...]

    def option(self, flag: str) -> str:
        return f"--{flag}={self.what}=" + ",".join(str(f) for f in self.files)


def import_arguments(
    database: str,
    nodes: Sequence[ImportFiles],
    relationships: Sequence[ImportFiles],
    report_file: Path,
    multiline: bool,
) -> list[str]:
    """The arguments after ``neo4j-admin``: the database name right after ``full``.

    Every row was validated and every reference checked before the files were written, so
    one bad entry is our fault, not the data's: the import stops at the first
    (``--bad-tolerance=0``) rather than loading a graph that differs from the online load's.
    """
    return [
        "database", "import", "full", database,
        *(group.option("nodes") for group in nodes),
        *(group.option("relationships") for group in relationships),
        "--overwrite-destination=true",
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        f"--multiline-fields={'true' if multiline else 'false'}",
        f"--report-file={report_file}",
    ]  # fmt: skip


def admin_command(settings: Settings, arguments: Sequence[str]) -> list[str]:
    """``neo4j-admin`` as a java command over the cached jars."""
    libs = ensure_jars(settings)
    if not any(libs.glob("neo4j-import-tool-*.jar")):
        raise EmbeddedNeo4jError(
            f"{libs} has no neo4j-import-tool jar (a cache from before the importer was "
            "declared); delete that directory and it is fetched again"
        )
    return [
        "java", f"-Xmx{IMPORTER_HEAP}", "-XX:+UseG1GC", "-Dfile.encoding=UTF-8", *JVM_OPENS,
        "-cp", f"{libs}/*", ADMIN_MAIN, *arguments,
    ]  # fmt: skip


def run_import(settings: Settings, data_dir: Path, arguments: Sequence[str], log: Path) -> None:
    """Run the importer into the store of the (stopped) server over ``data_dir``; its
    output goes to ``log``. Raises :class:`EmbeddedNeo4jError` with the log's end when the
    import fails."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEO4J_HOME": str(data_dir.resolve())}
    with log.open("w") as out:
        done = subprocess.run(
            admin_command(settings, arguments), stdout=out, stderr=subprocess.STDOUT, env=env
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise EmbeddedNeo4jError(f"neo4j-admin import failed (code {done.returncode}):\n{tail}")


def shell_command(arguments: Sequence[str]) -> str:
    """The command to run beside a server we do not run (the compose deployment's), with
    its own ``neo4j-admin``."""
    return shlex.join(["neo4j-admin", *arguments])
