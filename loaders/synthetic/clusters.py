"""Clusters around sanctioned subjects, pyramids, cycles, and the showcase of fixed cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from loaders.synthetic.departments import COURT
from loaders.synthetic.organisations import Organisations
from loaders.synthetic.rows import Subject
from loaders.synthetic.state import YEAR


class Clusters(Organisations):
    """Groups of organisations and persons built together, each a pattern propagation meets."""

    def firm(
        self,
        county: str,
        rep: int,
        *,
        established: int | None = None,
        capital: int | None = None,
        status: str = "active",
        supervisor: int | None = None,
    ) -> tuple[int, str]:
        """A plain firm of a cluster: legal rep as executive director, one supervisor."""
        established = established or self.since_age(8, date(1995, 1, 1))
        name = self.company_name(county)
        capital = capital or self.capital(300, 1.2)
        org = self.register("enterprise", county, name, established, capital, status=status)
        self.legal_rep(rep, org, established)
        self.officer(rep, org, "executive_director")
        self.officer(self.someone(county) if supervisor is None else supervisor, org, "supervisor")
        return org, name

    def family_cluster(self) -> None:
        """A controller, spouse and same-surname relatives around a holding firm."""
        rng = self.rng
        county = self.county()
        surname = self.surname()
        controller = self.new_person(county, surname, keyed=False)
        spouse = self.new_person(county)
        relatives = [self.new_person(county, surname) for _ in range(rng.randint(2, 4))]
        holding, _ = self.firm(
            county, controller, capital=self.capital(3000, 1.0), supervisor=spouse
        )
        self.officer(relatives[0], holding, "director")
        for person, points in ((controller, 6000), (spouse, 2000), (relatives[0], 2000)):
            self.person_stake(person, holding, points)
        units = [self.family_unit(county, holding, relative, spouse) for relative in relatives]
        target = self.pick(units)
        subject: Subject = (self.usccs[target], "", "")
        court_or_environment = self.pick(
            (self.courts[self.home.code], self.by_code[f"{self.home.abbr}-STHJT"])
        )
        decided = self.decided_after(self.established[target])
        if decided is not None:
            category = court_or_environment.spec.categories[0]
            self.record(subject, court_or_environment, "black", category, "severe", decided, county)
        if rng.random() < 0.5:
            self.judgment_debtor(controller, county, self.established[holding])

    def family_unit(self, county: str, holding: int, relative: int, spouse: int) -> int:
        unit, _ = self.firm(county, relative, supervisor=spouse)
        points = self.rng.randint(5100, 10000)
        self.org_stake(holding, unit, points)
        self.parent[unit] = holding
        if points < 10000:
            self.person_stake(relative, unit, 10000 - points)
        return unit

    def shell_cluster(self) -> None:
        """A nominee legal rep of many small firms in one county, set up after the real
        boss's firm was blacklisted for tax fraud."""
        rng = self.rng
        county = self.county()
        surname = self.surname()
        boss = self.new_person(county, surname, keyed=False)
        relative = self.new_person(county, surname)
        nominee = self.new_person(county, keyed=rng.random() < 0.3)
        origin, _ = self.firm(county, boss, status=self.pick(("revoked", "active")))
        self.person_stake(boss, origin, 10000)
        decided = self.decided_after(self.established[origin])
        if decided is None:
            return
        tax = self.by_code[f"{self.home.abbr}-SWJ"]
        for subject in ((self.usccs[origin], "", ""), self.person_subject(boss)):
            self.record(subject, tax, "black", "tax", "severe", decided, county)
        for _ in range(rng.randint(4, 10)):
            established = rng.randint(decided, min(decided + 90, self.as_of - 1))
            status = "revoked" if rng.random() < 0.3 else "active"
            shell, _ = self.firm(
                county, nominee, established=established, capital=self.capital(30, 0.6),
                status=status, supervisor=relative,
            )  # fmt: skip
            self.person_stake(nominee, shell, 10000)
            if rng.random() < 0.4:
                self.sanction((self.usccs[shell], "", ""), county, established, self.home_weights)

    def pyramid_cluster(self) -> None:
        rng = self.rng
        depth = rng.randint(2, 4)
        chain = [rng.randint(5100, 10000) for _ in range(depth)]
        self.pyramid(self.county(), chain, 9000, listed=rng.random() < 0.5)

    def pyramid(
        self, county: str, chain: Sequence[int], controller_points: int, *, listed: bool
    ) -> int:
        """A controller's root firm over a chain of subsidiaries holding ``chain`` points.

        Returns the root, whose shares the controller does not hold are not yet allocated.
        """
        controller = self.new_person(county, keyed=False)
        # The root of a group is typically a joint-stock company with a full board.
        established = self.since_age(12, date(1993, 1, 1))
        name = self.company_name(county, joint_stock=True)
        capital = self.capital(20000, 1.0)
        code = self.stock_code() if listed else ""
        root = self.register("enterprise", county, name, established, capital, stock_code=code)
        self.legal_rep(controller, root, established)
        self.large_board(root, controller, county, joint_stock=True, listed=bool(code))
        self.person_stake(controller, root, controller_points)
        self.join_pool(root, 2)
        top = root
        for points in chain:
            subsidiary, _ = self.firm(county, self.new_person(county))
            self.org_stake(top, subsidiary, points)
            self.parent[subsidiary] = top
            self.join_pool(subsidiary, 1)
            top = subsidiary
        return root

    def cycle(self, county: str | None = None, ring: Sequence[int] = ()) -> None:
        """Firms each holding ``ring[i]`` points of the next one, the last the first."""
        rng = self.rng
        county = county or self.county()
        ring = ring or [rng.randint(1000, 6000) for _ in range(rng.randint(2, 3))]
        firms = [self.firm(county, self.new_person(county))[0] for _ in ring]
        for i, points in enumerate(ring):
            held = firms[(i + 1) % len(firms)]
            self.org_stake(firms[i], held, points)
            self.person_stake(self.new_person(county), held, 10000 - ring[i])

    # ------------------------------------------------------------------ showcase

    def showcase(self) -> None:
        """The tricky-but-valid cases of the package docstring, in that order."""
        county = self.county()
        top = self.pyramid(county, (10000, 7000, 6000, 5100), 9000, listed=True)
        self.org_stake(self.hubs[self.home.code + "0000"], top, 1000)
        self.officer(self.new_person(county), top, "honorary_chairman")
        self.cycle(county, (6000, 7000, 2000))
        self.cycle(county, (3000, 1500))
        self.sanctioned_with_director_elsewhere(county)
        established = self.as_of - 6 * YEAR  # well before the records below
        without_id, _ = self.firm(
            county, self.new_person(county, keyed=True), established=established
        )
        self.fixed_record(without_id, "STHJT", "environment", "severe", 200, "active")
        for suffix, category, level, days, status in (
            ("SCJGJ", "product_quality", "severe", 200, "under_objection"),
            ("JRJGJ", "finance", "severe", 200, "revoked"),
            ("RSHT", "labour", "serious", 400, "repaired"),
            ("YJGLT", "safety", "severe", 4 * YEAR, "expired"),
        ):
            firm, _ = self.firm(county, self.new_person(county), established=established)
            self.fixed_record(firm, suffix, category, level, days, status)

    def fixed_record(
        self, org: int, suffix: str, category: str, level: str, days_ago: int, status: str
    ) -> None:
        """A black record of a home department, decided ``days_ago``, in a fixed status."""
        department = self.by_code[f"{self.home.abbr}-{suffix}"]
        subject: Subject = (self.usccs[org], "", "")
        county = self.county()
        decided = self.as_of - days_ago
        self.record(subject, department, "black", category, level, decided, county, status)

    def sanctioned_with_director_elsewhere(self, county: str) -> None:
        rep = self.new_person(county, keyed=False)
        firm, name = self.firm(county, rep, established=self.as_of - 8 * YEAR, capital=20000)
        self.org_stake(self.hubs[self.home.code + "0000"], firm, 5100)
        self.person_stake(rep, firm, 4900)
        self.fixed_record(firm, COURT, "judgment_debtor", "severe", 200, "active")
        tax = self.by_code[f"{self.home.abbr}-SWJ"]
        subject: Subject = (self.usccs[firm], "", "")
        self.record(subject, tax, "focus", "tax", "serious", self.as_of - 100, county, "active")
        self.branches(firm, name, county, 1)
        subsidiary, _ = self.firm(county, self.new_person(county))
        self.org_stake(firm, subsidiary, 8000)
        self.parent[subsidiary] = firm
        elsewhere, _ = self.firm(county, self.new_person(county))
        self.officer(rep, elsewhere, "director")
        self.person_stake(rep, elsewhere, 3000)
