"""``credit-graph``: the one command line for everything a person runs.

This is the process entry point, so it is the one place that may import every package.
Every command that works on the graph opens the process's :class:`~graph.services.Services`
once (:func:`services`) and closes them when it is done; ``serve`` hands them to the app.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from graph.access import InvalidRole, create_key, list_keys, revoke_key, validate_role
from graph.errors import DomainError
from graph.linkage.status import PartnerStatus, partner_statuses
from graph.linkage.sync import observe_heads, sync_partners
from graph.propagation.reach import Reach, ReachCount, reach_warnings
from graph.propagation.recompute import full_recompute, incremental_recompute
from graph.propagation.rules import RulesFileError, load_rules
from graph.propagation.runs import other_flag_rules_versions
from graph.resolution.candidates import candidates
from graph.resolution.decisions import decide, resolve_deterministic, undo
from graph.review.credit_review import PolicyFileError
from graph.services import Services, open_services
from graph.settings import Settings, get_settings
from graph.store.embedded import server
from graph.store.schema import SCHEMA_VERSION, apply_schema, schema_version
from graph.vocabulary import DELTA_PROVINCES
from loaders.ftm_export import export_audience, ftm_entities, write_ftm
from loaders.initial.load import initial_load
from loaders.load_report import LoadReport
from loaders.mapping import Mapping, MappingError, load_mapping
from loaders.pipeline import DEFAULT_BATCH_SIZE, LoadError, load_paths
from loaders.synthetic import SHARED_ORGS, generate_province


class CliError(click.ClickException):
    """A failure explained to the person at the terminal (exit status 1, no traceback)."""


@contextmanager
def services(settings: Settings) -> Iterator[Services]:
    """The command's services, with Neo4j known to answer: a command that writes should fail
    at once with a hint, not half-way through its work."""
    with _open_services(settings) as opened:
        try:
            opened.repository.ping()
        except Exception as exc:  # the driver raises several types; all mean "not reachable"
            hint = (
                "start it with `credit-graph neo4j start`"
                if settings.uses_embedded_neo4j
                else "check NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
            )
            raise CliError(f"cannot reach Neo4j at {settings.bolt_uri}: {exc}; {hint}") from exc
        yield opened


def _open_services(settings: Settings) -> Services:
    try:
        return open_services(settings)
    except (RulesFileError, PolicyFileError) as exc:
        raise CliError(str(exc)) from exc


@click.group()
def main() -> None:
    """Graph-based joint supervision (联合奖惩) for Jiangsu's public credit system."""


# --- neo4j ------------------------------------------------------------------------------


@main.group()
def neo4j() -> None:
    """Run the embedded Neo4j Community server (used when NEO4J_URI is unset)."""


@neo4j.command("start")
@click.option("--port", type=int, help="Bolt port on 127.0.0.1 (default: settings, 7687).")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Database directory.")
def neo4j_start(port: int | None, data_dir: Path | None) -> None:
    """Start a server and wait until it accepts Bolt connections."""
    settings = get_settings()
    if not settings.uses_embedded_neo4j:
        raise CliError(f"NEO4J_URI is set ({settings.neo4j_uri}); the embedded server is not used")
    began = time.monotonic()
    try:
        state = server.start(settings, port=port, data_dir=data_dir)
    except server.EmbeddedNeo4jError as exc:
        raise CliError(str(exc)) from exc
    click.echo(
        f"Neo4j {state.version} ready at {state.uri} (data {state.data_dir}, pid {state.pid}) "
        f"in {time.monotonic() - began:.1f}s"
    )


def _select(
    settings: Settings, port: int | None, data_dir: Path | None
) -> list[server.ServerState]:
    running = server.running_servers(settings)
    if port is not None:
        return [s for s in running if s.port == port]
    if data_dir is not None:
        return [s for s in running if Path(s.data_dir) == data_dir.resolve()]
    return running


@neo4j.command("stop")
@click.option("--port", type=int, help="Stop the server on this port.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Stop the server on this data.")
@click.option("--all", "stop_all", is_flag=True, help="Stop every running server.")
def neo4j_stop(port: int | None, data_dir: Path | None, stop_all: bool) -> None:
    """Shut a server down cleanly (no JVM is left behind)."""
    settings = get_settings()
    chosen = _select(settings, port, data_dir)
    if not chosen:
        click.echo("no embedded Neo4j server is running" + (" there" if port or data_dir else ""))
        return
    if len(chosen) > 1 and not stop_all:
        listing = ", ".join(f"{s.uri} ({s.data_dir})" for s in chosen)
        raise CliError(f"several servers run: {listing}; choose with --port, --data-dir or --all")
    for state in chosen:
        server.stop(state, settings)
        click.echo(f"stopped Neo4j at {state.uri} (pid {state.pid})")


@neo4j.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def neo4j_status(as_json: bool) -> None:
    """Say what runs where."""
    settings = get_settings()
    servers = [server.describe(s) for s in server.running_servers(settings)]
    if as_json:
        click.echo(json.dumps({"neo4j_uri": settings.neo4j_uri, "embedded": servers}, indent=2))
        return
    if settings.neo4j_uri:
        click.echo(f"NEO4J_URI is set: commands use {settings.neo4j_uri}")
    if not servers:
        click.echo("no embedded Neo4j server is running")
    for s in servers:
        click.echo(
            f"{s['uri']}  pid {s['pid']}  data {s['data_dir']}  up {s['uptime_s']}s  "
            f"rss {s['rss_mb']} MB  bolt {'answers' if s['bolt_answers'] else 'NOT answering'}"
        )


# --- schema -----------------------------------------------------------------------------


@main.group()
def schema() -> None:
    """Constraints, indexes and reference data."""


@schema.command("apply")
def schema_apply() -> None:
    """Create constraints and indexes, load regions and occupations (idempotent)."""
    settings = get_settings()
    with services(settings) as opened:
        apply_schema(opened.repository)
    click.echo(f"schema version {SCHEMA_VERSION} applied to {settings.bolt_uri}")


# --- keys -------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """API keys: each bound to one role, stored hashed, shown once."""


@keys.command("create")
@click.option("--role", required=True, help="regulator, analyst, admin or partner:<31|32|33|34>.")
@click.option("--name", default="", help="Who or what the key is for.")
def keys_create(role: str, name: str) -> None:
    """Create a key and print it (it cannot be shown again)."""
    settings = get_settings()
    try:
        validate_role(role, settings.province_code)
    except InvalidRole as exc:
        raise click.BadParameter(str(exc), param_hint="--role") from exc
    with services(settings) as opened:
        principal, key = create_key(
            opened.repository, role, name, own_province=settings.province_code
        )
    click.echo(f"key {principal.key_id} for role {principal.role}:")
    click.echo(key)


@keys.command("list")
def keys_list() -> None:
    """List keys (ids and roles, never secrets)."""
    with services(get_settings()) as opened:
        for row in list_keys(opened.repository):
            revoked = f"  revoked {row['revoked_at']}" if row["revoked_at"] else ""
            click.echo(f"{row['key_id']}  {row['role']:<12} {row['name']}{revoked}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id."""
    with services(get_settings()) as opened:
        if not revoke_key(opened.repository, key_id):
            raise CliError(f"no active key with id {key_id}")
    click.echo(f"revoked {key_id}")


# --- data -------------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML mapping of a department's own layout (see loaders/mappings/).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows per write transaction.",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File for rejected rows (default: rejects-<batch id>.csv, written only if any).",
)
@click.option(
    "--source",
    help="The sending department, for provenance "
    "(default: the mapping's, else the directory's name).",
)
@click.option(
    "--max-rejected-share",
    type=click.FloatRange(0, 1),
    help="Fail (exit 1) when a file loses more than this share of its rows "
    "(default: CREDIT_GRAPH_MAX_REJECTED_SHARE, else only when a file loses all of them).",
)
@click.option(
    "--initial",
    is_flag=True,
    help="A province's first load, into an empty database, through Neo4j's offline importer "
    "(README, 'First load of a province'). With NEO4J_URI set, prepares the files and prints "
    "the neo4j-admin command to run beside that server.",
)
@click.option(
    "--import-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --initial: where the import files go (default: initial-<batch id>).",
)
def load(
    paths: tuple[Path, ...],
    mapping: Path | None,
    batch_size: int,
    rejects_path: Path | None,
    source: str | None,
    max_rejected_share: float | None,
    initial: bool,
    import_dir: Path | None,
) -> None:
    """Load files of the canonical layouts (loaders/LAYOUTS.md), or of a mapping, and print
    the report. A file that cannot be parsed stops the load before anything is written.
    The flags the load may have changed are recomputed, as of today in China, under the
    configured rules (CREDIT_GRAPH_RULES_PATH), before it ends. Exits 1 when a file lost
    more of its rows than --max-rejected-share allows."""
    settings = get_settings()
    try:
        loaded_mapping = load_mapping(mapping) if mapping else None
    except MappingError as exc:
        raise CliError(str(exc)) from exc
    if initial:
        report = _initial_load(
            settings, list(paths), loaded_mapping, rejects_path, source, import_dir
        )
    else:
        report = _online_load(
            settings, list(paths), loaded_mapping, batch_size, rejects_path, source
        )
    # The rows that passed are loaded; the exit status says the load as a whole did not.
    if max_rejected_share is None:
        max_rejected_share = settings.max_rejected_share
    failed = report.over_limit(max_rejected_share)
    if failed:
        raise CliError("files lost too many rows:\n  " + "\n  ".join(failed))


def _online_load(
    settings: Settings,
    paths: list[Path],
    loaded_mapping: Mapping | None,
    batch_size: int,
    rejects_path: Path | None,
    source: str | None,
) -> LoadReport:
    with services(settings) as opened:
        try:
            report = load_paths(
                opened.repository,
                opened.settings,
                paths,
                loaded_mapping,
                batch_size,
                rejects_path,
                source,
                rules=opened.rules,
            )
        except LoadError as exc:
            raise CliError(f"{exc}; nothing was loaded") from exc
    click.echo(report.render())
    return report


def _initial_load(
    settings: Settings,
    paths: list[Path],
    loaded_mapping: Mapping | None,
    rejects_path: Path | None,
    source: str | None,
    import_dir: Path | None,
) -> LoadReport:
    try:
        rules = load_rules(settings.rules_path)
        done = initial_load(
            settings,
            paths,
            loaded_mapping,
            rejects_path,
            source,
            rules=rules,
            import_dir=import_dir,
        )
    except RulesFileError as exc:
        raise CliError(str(exc)) from exc
    except LoadError as exc:
        raise CliError(f"{exc}; nothing was loaded") from exc
    except server.EmbeddedNeo4jError as exc:
        raise CliError(str(exc)) from exc
    if done.command is not None:
        click.echo(done.report.render())
        click.echo(
            f"\nThe import files are in {done.import_dir}. Beside the server at "
            f"{settings.bolt_uri}, with its database stopped and the directory mounted there:\n\n"
            f"  cd {done.import_dir} && {done.command}\n\n"
            "then start the database and run `credit-graph schema apply` and "
            "`credit-graph propagate --full` (README, 'First load of a province')."
        )
        return done.report
    click.echo(done.report.render())
    click.echo(done.render_phases())
    return done.report


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ftm"]),
    required=True,
    help="ftm: FollowTheMoney entities, one JSON object a line.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--audience",
    default="analyst",
    show_default=True,
    help="Who the file is for; persons appear as this role sees them (design.md): "
    "regulator (names, within the province), analyst or partner:<31|32|33|34> (an alias and "
    "a placeholder name: what may leave the province).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Records in force on this day are written (default: today in China).",
)
def export(fmt: str, out: Path | None, audience: str, as_of: datetime | None) -> None:
    """Write the graph's shareable subjects, relationships and black-list records in force
    as FollowTheMoney entities (loaders/LAYOUTS.md, "FollowTheMoney")."""
    settings = get_settings()
    try:
        chosen = export_audience(audience)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--audience") from exc
    with services(settings) as opened:
        day = as_of.date() if as_of else opened.clock.today()
        entities = ftm_entities(opened.repository, chosen, settings.province_code, day)
        if out is None:
            count = write_ftm(sys.stdout, entities)
        else:
            with out.open("w", encoding="utf-8") as f:
                count = write_ftm(f, entities)
    click.echo(f"{count} FtM entities written for {audience}", err=True)


# --- linkage (信用长三角) -------------------------------------------------------------


@main.group()
def linkage() -> None:
    """Exchange records with the Delta partner provinces (graph/linkage/PROTOCOL.md)."""


@linkage.command("sync")
@click.option("--partner", help="Sync only this partner (its province code, e.g. 33).")
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=500,
    show_default=True,
    help="Entries asked for per feed page.",
)
def linkage_sync(partner: str | None, page_size: int) -> None:
    """Pull each partner's signed feed into the graph, then recompute the flags it changed.

    Partners are synced concurrently and independently: one that is down, slow or answers
    garbage is reported and the others go on. Exits 1 if any partner failed.
    """
    with services(get_settings()) as opened:
        try:
            runs = sync_partners(
                opened.repository,
                opened.rules,
                opened.settings,
                opened.clock,
                only=partner,
                page_size=page_size,
            )
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
    if not runs:
        raise CliError("no partners configured (CREDIT_GRAPH_PARTNERS)")
    for run in runs:
        line = (
            f"partner {run.code}: {run.pages} pages, {run.records} entries"
            f"{' (resynced from snapshot)' if run.snapshot else ''}, "
            f"{run.refreshed} records' flags recomputed"
        )
        click.echo(line if run.error is None else f"{line}; FAILED: {run.error}")
    if any(run.error for run in runs):
        sys.exit(1)


@linkage.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def linkage_status(as_json: bool) -> None:
    """Per partner: cursor, lag (records and time), last success and last error.

    Asks each partner's catalogue for its head first (once, within its timeout), so the lag
    is current; a partner that does not answer shows the lag as of the last contact.
    """
    with services(get_settings()) as opened:
        unreachable = observe_heads(opened.repository, opened.settings, opened.clock)
        statuses = partner_statuses(opened.repository, opened.settings, opened.clock.now())
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], default=str, ensure_ascii=False))
        return
    for code, error in unreachable.items():
        click.echo(f"partner {code} did not answer now (lag as of the last contact): {error}")
    header = ("partner", "cursor", "applied", "lag", "lag time", "last success", "last error")
    rows = [header] + [_status_row(s) for s in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _status_row(status: PartnerStatus) -> tuple[str, ...]:
    cursor = status.cursor or ("(snapshot)" if status.in_snapshot else "(start)")
    return (
        status.province + ("" if status.configured else " (not configured)"),
        cursor if len(cursor) <= 16 else cursor[:13] + "...",
        f"{status.records} in {status.pages} pages",
        "?" if status.lag_records is None else str(status.lag_records),
        "?" if status.lag_seconds is None else f"{status.lag_seconds:.0f}s",
        status.last_success_at.isoformat(timespec="seconds") if status.last_success_at else "never",
        status.last_error or "",
    )


@main.command()
@click.option("--orgs", type=click.IntRange(min=1), required=True, help="Organisations.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same files.")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Directory."
)
@click.option(
    "--province",
    type=click.Choice(sorted(DELTA_PROVINCES)),
    default="32",
    show_default=True,
    help="Home province.",
)
@click.option(
    "--shared-seed",
    type=int,
    help="Add the cross-border firms and persons every province generated with this seed "
    "shares (the four-province linkage demo).",
)
@click.option(
    "--shared-orgs",
    type=click.IntRange(min=0),
    default=SHARED_ORGS,
    show_default=True,
    help="Cross-border firms (with --shared-seed).",
)
def generate(
    orgs: int, seed: int, out: Path, province: str, shared_seed: int | None, shared_orgs: int
) -> None:
    """Write a synthetic province as canonical CSV files. They hold synthetic raw ID numbers,
    as a department's export would: keep them out of version control."""
    counts = generate_province(
        out, orgs, seed, province, shared_seed=shared_seed, shared_orgs=shared_orgs
    )
    for kind, rows in counts.items():
        click.echo(f"{kind:<15}{rows:>10}")
    click.echo(f"written to {out}")


# --- propagation ------------------------------------------------------------------------


# --- resolution ---------------------------------------------------------------------------


@main.group()
def resolve() -> None:
    """The same party across sources: candidates, decisions, undo, identifier rules."""


_KIND = click.Choice(["person", "organization"])


@resolve.command("candidates")
@click.option("--kind", type=_KIND, default="person", show_default=True)
@click.option("--min-score", type=click.FloatRange(0, 1), help="Default: resolution_min_score.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def resolve_candidates(kind: str, min_score: float | None, limit: int, as_json: bool) -> None:
    """Scored pairs that may be one party, best evidence named, for a person to decide."""
    with services(get_settings()) as opened:
        threshold = opened.settings.resolution_min_score if min_score is None else min_score
        scan = candidates(opened.repository, kind, threshold, limit)  # type: ignore[arg-type]
    for found in scan.candidates:
        if as_json:
            click.echo(json.dumps(asdict(found), ensure_ascii=False))
        else:
            click.echo(
                f"{found.score:.2f}  keep {found.kept} {found.kept_name}  "
                f"merge {found.merged} {found.merged_name}  ({'; '.join(found.reasons)})"
            )
    click.echo(
        f"{len(scan.candidates)} candidates from {scan.blocks} blocks "
        f"({scan.oversized} too large to compare)",
        err=True,
    )


@resolve.command("decide")
@click.argument("kept")
@click.argument("merged")
@click.option("--kind", type=_KIND, required=True)
@click.option("--verdict", type=click.Choice(["same", "not_same"]), required=True)
@click.option("--by", required=True, help="Who decides (recorded with the decision).")
@click.option("--reason", required=True, help="Why (recorded with the decision).")
@click.option("--score", type=click.FloatRange(0, 1), help="The candidate's score, if any.")
def resolve_decide(
    kept: str, merged: str, kind: str, verdict: str, by: str, reason: str, score: float | None
) -> None:
    """Decide that MERGED is KEPT (same: merged into it now) or is not (never proposed again)."""
    with services(get_settings()) as opened:
        try:
            applied = decide(
                opened.repository, opened.rules, kind=kind, kept=kept, merged=merged,  # type: ignore[arg-type]
                verdict=verdict, by=by, reason=reason,  # type: ignore[arg-type]
                province=opened.settings.province_code, as_of=opened.clock.today(), score=score,
            )  # fmt: skip
        except DomainError as exc:
            raise CliError(str(exc)) from exc
    click.echo(f"decision {applied.decision.id}: {verdict}")


@resolve.command("undo")
@click.argument("decision_id")
@click.option("--by", required=True, help="Who takes the decision back.")
@click.option("--reason", required=True, help="Why.")
def resolve_undo(decision_id: str, by: str, reason: str) -> None:
    """Take a decision back: a merge is undone, a refused pair may be proposed again."""
    with services(get_settings()) as opened:
        try:
            applied = undo(
                opened.repository, opened.rules, decision_id, by=by, reason=reason,
                province=opened.settings.province_code, as_of=opened.clock.today(),
            )  # fmt: skip
        except DomainError as exc:
            raise CliError(str(exc)) from exc
    click.echo(f"decision {applied.decision.id} undone")


@resolve.command("deterministic")
def resolve_deterministic_command() -> None:
    """Merge organisations whose identifiers agree (every load does this at its end)."""
    with services(get_settings()) as opened:
        made, _ = resolve_deterministic(
            opened.repository,
            opened.rules,
            opened.settings.province_code,
            opened.clock.today(),
        )
    for decision in made:
        click.echo(f"{decision.rule}: {decision.keys[1]} -> {decision.keys[0]} ({decision.id})")
    click.echo(f"{len(made)} merged", err=True)


@main.command()
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date the records are judged on (default: today in China, UTC+8).",
)
@click.option(
    "--full", "mode", flag_value="full", default=True, help="Recompute every record (default)."
)
@click.option(
    "--incremental", "mode", flag_value="incremental", help="Recompute only --record ids."
)
@click.option(
    "--check",
    "mode",
    flag_value="check",
    help="Write nothing; exit 1 if stored flags were derived under rules other than the "
    "configured ones.",
)
@click.option(
    "--record", "record_ids", multiple=True, help="A changed record id (with --incremental)."
)
def propagate(as_of: datetime | None, mode: str, record_ids: tuple[str, ...]) -> None:
    """Derive FLAGGED relationships: who a sanction reaches, by which rule, along which path.

    The rules are the configured ones (CREDIT_GRAPH_RULES_PATH, default the shipped file),
    the same the API serves, so flags are never derived under rules the API does not explain
    them with. To try other rules, set CREDIT_GRAPH_RULES_PATH for the run and for the API.
    """
    if mode == "incremental" and not record_ids:
        raise click.BadParameter("--incremental needs at least one --record", param_hint="--record")
    with services(get_settings()) as opened:
        rules, repo = opened.rules, opened.repository
        if mode == "check":
            _check_rules_version(opened)
            return
        day = as_of.date() if as_of else opened.clock.today()
        if mode == "full":
            run = full_recompute(repo, rules, day)
        else:
            run = incremental_recompute(repo, rules, day, record_ids)
        factor = opened.settings.reach_warning_factor
    click.echo(
        f"{run.mode} propagation as of {run.as_of} (rules {run.rules_version}): "
        f"{run.records} records, {run.flags} flags; +{run.gained} -{run.lost} ~{run.changed} "
        f"in {run.seconds:.1f}s (run {run.run_id})"
    )
    _print_reach(run.reach_before, run.reach)
    warnings = reach_warnings(run.reach_before, run.reach, factor)
    # Still exit 0: the flags are what the configured rules derive; whether that reach is
    # right is for a person to judge, so the warning is loud rather than fatal.
    for warning in warnings:
        click.secho(f"WARNING: {warning}", fg="yellow", bold=True, err=True)
    if warnings:
        click.secho(
            "WARNING: check the rules and the data before anyone acts on these flags "
            f"(CREDIT_GRAPH_REACH_WARNING_FACTOR={factor:g})",
            fg="yellow",
            bold=True,
            err=True,
        )


def _print_reach(before: Reach, after: Reach) -> None:
    """Flagged subjects per sanctioned subject, in all, by rule and by kind, before → after."""
    rows = [
        ("all flags", before.total, after.total),
        *(
            (f"rule {name}", before.by_rule.get(name), after.by_rule.get(name))
            for name in sorted(before.by_rule.keys() | after.by_rule.keys())
        ),
        *(
            (f"kind {name}", before.by_kind.get(name), after.by_kind.get(name))
            for name in sorted(before.by_kind.keys() | after.by_kind.keys())
        ),
    ]
    click.echo("reach (flagged per sanctioned subject; before → after this run):")
    for group, then, now in rows:
        click.echo(f"  {group:<16}{_reach_cell(then):>24} → {_reach_cell(now)}")


def _reach_cell(count: ReachCount | None) -> str:
    if count is None:
        return "-"
    return f"{count.ratio:g} ({count.flagged}/{count.sanctioned})"


def _check_rules_version(opened: Services) -> None:
    found = schema_version(opened.repository)
    # Without this schema's index on FLAGGED.rules_version the check would scan every flag.
    if found != SCHEMA_VERSION:
        raise CliError(
            f"the graph holds schema version {found}, not {SCHEMA_VERSION}; "
            "run `credit-graph schema apply` first"
        )
    served = opened.rules.version
    others = other_flag_rules_versions(opened.repository, served)
    if others:
        raise CliError(
            f"stored flags were derived under rules {', '.join(others)}, not the configured "
            f"rules {served}; run `credit-graph propagate --full`"
        )
    click.echo(f"stored flags are current with rules {served}")


# --- demo -------------------------------------------------------------------------------


DEMO_ORGS = 2000
DEMO_SEED = 7


@main.command()
@click.option("--orgs", type=click.IntRange(min=1), default=DEMO_ORGS, show_default=True)
@click.option("--seed", type=int, default=DEMO_SEED, show_default=True)
def demo(orgs: int, seed: int) -> None:
    """The README's demo: embedded Neo4j, schema, a generated province loaded and propagated,
    demo API keys, then serve the API and the dashboards."""
    settings = get_settings()
    if settings.environment != "development":
        raise CliError("the demo creates keys and data; run it only with environment=development")
    _refuse_exposed_development_secrets(settings, settings.api_host)
    if settings.uses_embedded_neo4j:
        _ensure_embedded(settings)
    with services(settings) as opened:
        repo = opened.repository
        apply_schema(repo)
        click.echo(f"schema version {SCHEMA_VERSION} applied")
        province = Path(".credit-graph") / f"demo-province-{orgs}-{seed}"
        if not (province / "organizations.csv").exists():
            generate_province(province, orgs, seed)
        # Loading is idempotent: a second demo run finds every row unchanged.
        # The load recomputes the flags it may have changed (all of them, into an empty graph).
        report = load_paths(
            repo, settings, [province], rejects_path=province / "rejects.csv", rules=opened.rules
        )
        click.echo(report.render())
        click.echo("demo API keys (development only; send as X-API-Key):")
        for role in ("regulator", "analyst", "admin"):
            _, key = create_key(repo, role, "demo", own_province=settings.province_code)
            click.echo(f"  {role:<10} {key}")
        if (uscc := _firm_to_try(province)) is not None:
            click.echo(f"a firm to try (active black record, legal rep, network): USCC={uscc}")
        _serve(opened, settings.api_host, settings.api_port)


def _firm_to_try(province: Path) -> str | None:
    """The README's calls need a USCC this province has, with something to show: the first
    organisation with an active black record and a current legal representative."""
    with (province / "legal_reps.csv").open(encoding="utf-8", newline="") as f:
        represented = {row["uscc"] for row in csv.DictReader(f) if not row["until"]}
    with (province / "records.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            black = row["list"] == "black" and row["status"] == "active"
            if black and row["subject_uscc"] in represented:
                return row["subject_uscc"]
    return None


def _ensure_embedded(settings: Settings) -> None:
    running = [s for s in server.running_servers(settings) if s.port == settings.embedded_port]
    if running:
        click.echo(f"using the embedded Neo4j already running at {running[0].uri}")
        return
    click.echo("starting the embedded Neo4j (the first start fetches its jars from Maven Central)")
    try:
        state = server.start(settings)
    except server.EmbeddedNeo4jError as exc:
        raise CliError(str(exc)) from exc
    click.echo(f"Neo4j ready at {state.uri}; stop it with `credit-graph neo4j stop`")


# --- serve ------------------------------------------------------------------------------


@main.command()
@click.option("--host", help="Interface to bind (default: settings, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: settings, 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the dashboards (/dashboards/) until
    interrupted."""
    settings = get_settings()
    _refuse_exposed_development_secrets(settings, host or settings.api_host)
    # Neo4j need not answer yet: /readyz says when it does. The services are closed when
    # uvicorn returns, i.e. at the end of the process.
    with _open_services(settings) as opened:
        _serve(opened, host or settings.api_host, port or settings.api_port)


def _refuse_exposed_development_secrets(settings: Settings, host: str) -> None:
    """Development secrets are public (they are in this repository): a server reachable from
    other machines must not run with them, whatever the environment says."""
    if _is_loopback(host):
        return
    if exposed := settings.development_secrets():
        raise CliError(
            f"{', '.join(exposed)} still hold the development default: serving on {host} "
            "would expose them beyond this machine; set them, or serve on 127.0.0.1"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def _serve(opened: Services, host: str, port: int) -> None:
    import gc

    import uvicorn
    import uvicorn.config

    from api import access_log
    from api.app import create_app

    app = create_app(opened)
    # What is imported and built by now lives as long as the process. Frozen, it is not
    # walked by every full collection, whose pauses would otherwise stall all requests and
    # set the API's tail latency under load (bench/api.py).
    gc.collect()
    gc.freeze()
    click.echo(f"point your browser at http://{host}:{port}/docs (the API, with its examples)")
    click.echo(f"the dashboards: http://{host}:{port}/dashboards/ (sign in with an API key)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        **access_log.uvicorn_options(uvicorn.config.LOGGING_CONFIG),
    )


if __name__ == "__main__":
    sys.exit(main())
