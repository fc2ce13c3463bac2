"""A whole province: the order things are made in, streamed to one CSV file per kind."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path
from random import Random
from typing import Final

from loaders.synthetic.clusters import Clusters
from loaders.synthetic.crossborder import write_cross_border
from loaders.synthetic.geography import ECONOMY
from loaders.synthetic.rows import Sink

_HUBS: Final = 5
_SHOWCASE_MIN_ORGS: Final = 100
_CLUSTER_MAX_ORGS: Final = 12  # the largest cluster: a shell cluster of 1 + 10 firms
SHARED_ORGS: Final = 40


class _Synthesizer(Clusters):
    """The order of a province: departments, hubs, the showcase, then the rest."""

    def run(self, orgs: int) -> None:
        """Departments, hubs, the showcase, then ordinary organisations and now and then a
        cluster, until there are exactly ``orgs`` organisations."""
        self.departments()
        self.state_asset_holders(min(_HUBS, orgs // 20))
        if orgs >= _SHOWCASE_MIN_ORGS:
            self.showcase()
        clusters = (self.family_cluster, self.shell_cluster, self.pyramid_cluster, self.cycle)
        while (room := orgs - len(self.established)) > 0:
            if room >= _CLUSTER_MAX_ORGS and self.rng.random() < 0.004:
                self.pick(clusters)()
            else:
                self.ordinary(room)

    def departments(self) -> None:
        partner = [
            d for code in sorted(self.partner_departments) for d in self.partner_departments[code]
        ]
        for department in self.home_departments + partner:
            row = (department.code, department.name, department.province.code)
            self.sink.write("departments", row)


def generate_province(
    out_dir: Path,
    orgs: int,
    seed: int,
    province: str = "32",
    partner_share: float = 0.05,
    as_of: date = date(2026, 11, 1),
    shared_seed: int | None = None,
    shared_orgs: int = SHARED_ORGS,
) -> dict[str, int]:
    """Write the canonical CSV files of a synthetic province; return rows written per kind.

    Parameters
    ----------
    out_dir
        Directory for ``<kind>.csv`` (created; existing files are overwritten).
    orgs
        Number of organisations, exactly. Below 100 the showcase cases are left out, and
        there are ``orgs // 20`` hubs up to 5.
    seed
        The same seed (and other arguments) gives byte-identical files.
    province
        Home province: ``32`` (Jiangsu), ``31``, ``33`` or ``34``; the others are partners.
    partner_share
        Share of ordinary organisations registered in the partner provinces.
    as_of
        Reference date: establishment and decisions lie before it, publication windows
        around it.
    shared_seed
        With a shared seed, ``shared_orgs`` cross-border enterprises and their legal
        representatives (``crossborder``) follow the province's own rows: the same rows in
        every province generated with this seed, whatever its home, seed or size.
    shared_orgs
        Size of the cross-border block (organisations, on top of ``orgs``).

    Rows are streamed; memory grows by under 100 bytes per organisation.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     counts = generate_province(Path(out), orgs=200, seed=1)
    >>> counts["organizations"], counts["departments"]
    (200, 25)
    """
    if orgs < 1:
        raise ValueError(f"orgs must be positive, got {orgs}")
    if province not in ECONOMY:
        raise ValueError(f"province must be one of {sorted(ECONOMY)}, got {province!r}")
    if not 0 <= partner_share <= 1:
        raise ValueError(f"partner_share must be in [0, 1], got {partner_share}")
    if shared_orgs < 0:
        raise ValueError(f"shared_orgs must not be negative, got {shared_orgs}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        sink = Sink(out_dir, stack)
        _Synthesizer(sink, Random(seed), province, as_of, partner_share).run(orgs)
        if shared_seed is not None:
            write_cross_border(sink, shared_seed, shared_orgs, as_of)
    return sink.counts
