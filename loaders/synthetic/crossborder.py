"""Cross-border subjects: the same firms and persons in the files of every Delta province.

Firms of the Delta register in one province and trade in all four, and a person may run a
firm on each side of a border. Each province's files hold such subjects too, so that a
record one province publishes lands on a subject the others already know: organisations by
the same USCC, persons by the same ID number (hence the same linkage key, while each
province's pid differs under its own pid key).

The block depends on the shared seed and its size only, never on the home province, so
every province generated with the same ``shared_seed`` writes byte-identical rows for it.
"""

from __future__ import annotations

from datetime import date
from random import Random
from typing import Final

from loaders.synthetic.organisations import Organisations
from loaders.synthetic.rows import Sink

# The block's generation state is built as if for this home province; nothing it writes
# depends on which one it is, as long as it is the same for all four.
_ANCHOR: Final = "32"
_STAKE_POINTS: Final = 6000  # the legal representative holds 60% of each shared firm


class CrossBorder(Organisations):
    """Enterprises registered in turn in each province, represented in pairs by one person."""

    def run(self, orgs: int) -> None:
        """``orgs`` enterprises. Firms 2k and 2k+1 have one legal representative (and 60%
        owner) and are registered in neighbouring provinces (31/32, 32/33, 33/34, 34/31, …),
        so a sanction of one reaches the other across the border by propagation."""
        codes = sorted(self.provinces)
        person = -1
        for n in range(orgs):
            pair, second = divmod(n, 2)
            province = self.provinces[codes[(pair + second) % len(codes)]]
            county = self.county(province)
            established = self.since_age(8.0, date(1995, 1, 1))
            name = self.company_name(county)
            org = self.register("enterprise", county, name, established, self.capital(2000, 1.2))
            if second == 0:
                person = self.new_person(county, keyed=False)
            self.legal_rep(person, org, established)
            self.person_stake(person, org, _STAKE_POINTS)


def write_cross_border(sink: Sink, seed: int, orgs: int, as_of: date) -> None:
    """Write the shared block of ``orgs`` enterprises drawn from ``seed`` into ``sink``."""
    CrossBorder(sink, Random(seed), _ANCHOR, as_of, partner_share=0.0).run(orgs)
