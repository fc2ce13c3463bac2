"""Relationships: legal representatives, officers, shareholders, licences."""

from __future__ import annotations

from datetime import date
from typing import Final

from loaders.synthetic.persons import adult
from loaders.synthetic.records import PROFESSIONAL_RECORD, Records
from loaders.synthetic.rows import iso, optional_iso, ratio
from loaders.synthetic.state import YEAR

_ATTACHMENT: Final = 3  # pool entries a parent gains per subsidiary
_FIRM_OCCUPATIONS: Final = (
    "lawyer", "accounting_staff", "cpa", "eia_engineer", "statistician", "tax_agent",
    "auditor", "appraiser", "credit_practitioner", "certification_inspector",
    "securities_futures", "insurance_broker", "patent_agent", "project_manager", "journalist",
    "tour_guide", "veterinarian",
)  # fmt: skip


class Relationships(Records):
    """Who represents, sits on the board of, owns or practises at an organisation."""

    def legal_rep(self, person: int, org: int, since: int, until: int | None = None) -> None:
        start = iso(self.adult_since(person, since))
        row = (*self.person_columns(person), self.usccs[org], start, optional_iso(until))
        self.sink.write("legal_reps", row)

    def officer(self, person: int, org: int, role: str) -> None:
        start = iso(self.adult_since(person, self.established[org]))
        self.sink.write(
            "officers", (*self.person_columns(person), self.usccs[org], role, start, "")
        )

    def org_stake(self, holder: int, org: int, points: int, since: int = 0) -> None:
        start = iso(max(since, self.established[holder], self.established[org]))
        row = (self.usccs[holder], "", "", self.usccs[org], ratio(points), start, "")
        self.sink.write("shareholdings", row)

    def person_stake(self, person: int, org: int, points: int, until: int | None = None) -> None:
        start = iso(self.adult_since(person, self.established[org]))
        columns = self.person_columns(person)
        row = ("", *columns, self.usccs[org], ratio(points), start, optional_iso(until))
        self.sink.write("shareholdings", row)

    def licence(self, person: int, occupation: str, org: int) -> None:
        rng = self.rng
        earliest = max(adult(self.birth[person]) + 3 * YEAR, self.as_of - 15 * YEAR)
        issued = rng.randint(min(earliest, self.as_of - 1), self.as_of - 1)
        if occupation in ("civil_servant", "legal_representative"):
            number, valid_until = "", ""  # a post, not a practising certificate
        else:
            year = date.fromordinal(issued).year
            number = f"{self.home.code}{year}{rng.randrange(10**7):07d}"
            valid_until = iso(issued + 5 * YEAR)
        row = (*self.person_columns(person), occupation, number, valid_until, self.usccs[org])
        self.sink.write("licences", row)
        if occupation in PROFESSIONAL_RECORD and rng.random() < 0.05:
            self.professional_record(person, occupation, issued)

    def hub_for(self, county: str) -> int:
        """Mostly the holder of the firm's own city, else the provincial one."""
        key = county if self.home.municipality else county[:4]
        if key in self.hubs and self.rng.random() < 0.5:
            return self.hubs[key]
        return self.hubs[self.home.code + "0000"]

    def legal_rep_for(self, county: str, surname: str, reuse: float) -> int:
        """A serial legal rep (of 2–5 firms in all) with odds ``reuse``, else a new person."""
        rng = self.rng
        if self.serial and rng.random() < reuse:
            slot = rng.randrange(len(self.serial))
            person = self.serial[slot]
            self.serial_left[slot] -= 1
            if self.serial_left[slot] == 0:
                self.serial[slot], self.serial_left[slot] = self.serial[-1], self.serial_left[-1]
                self.serial.pop()
                self.serial_left.pop()
            return person
        person = self.new_person(county, surname)
        if rng.random() < 0.1:
            self.serial.append(person)
            self.serial_left.append(rng.randint(1, 4))
        if rng.random() < 0.004:
            self.judgment_debtor(person, county, 0)
        return person

    def legal_rep_history(self, org: int, rep: int, county: str) -> None:
        """The current legal rep, sometimes after a predecessor who has left."""
        rng = self.rng
        established = self.established[org]
        if rng.random() < 0.08:
            before = self.someone(county)
            earliest = self.adult_since(before, established) + YEAR
            if before != rep and earliest < self.as_of - 30:
                change = rng.randint(earliest, self.as_of - 30)
                self.legal_rep(before, org, established, until=change)
                self.legal_rep(rep, org, change)
                return
        self.legal_rep(rep, org, established)

    def board(
        self,
        org: int,
        rep: int,
        size: int,
        county: str,
        surname: str,
        joint_stock: bool,
        listed: bool,
    ) -> int:
        """Officers by size; returns the supervisor.

        The legal rep is the chairman, executive director or manager, as Company Law allows;
        a small firm has the statutory minimum: executive director, manager (经理), supervisor.
        """
        rng = self.rng
        if size == 0:
            self.officer(rep, org, "executive_director")
            if rng.random() < 0.5:
                self.officer(rep, org, "manager")
        elif size == 1:
            self.officer(rep, org, "chairman" if rng.random() < 0.4 else "executive_director")
            manager = rep if rng.random() < 0.5 else self.someone(county)
            self.officer(manager, org, "general_manager")
        else:
            self.large_board(org, rep, county, joint_stock=joint_stock, listed=listed)
        # A small firm's supervisor is often family: the legal rep's surname.
        family = size < 2 and rng.random() < 0.3
        supervisor = self.new_person(county, surname) if family else self.someone(county)
        self.officer(supervisor, org, "supervisor")
        return supervisor

    def large_board(
        self, org: int, rep: int, county: str, *, joint_stock: bool, listed: bool
    ) -> None:
        rng = self.rng
        self.officer(rep, org, "chairman")
        roles = ["director"] * rng.randint(2, 6) + ["general_manager", "cfo"]
        roles += ["vice_chairman"] * (joint_stock or rng.random() < 0.3)
        roles += ["deputy_general_manager"] * rng.randint(0, 2)
        if joint_stock:
            roles += ["independent_director"] * rng.randint(2, 3)
            roles += ["board_secretary", "employee_director", "supervisor"]
            # 名誉董事长, often a retired founder: a title, not a board seat.
            roles += ["honorary_chairman"] * (rng.random() < 0.1)
        for role in roles:
            person = self.someone(county)
            self.officer(person, org, role)
            if listed and role == "board_secretary":
                self.licence(person, "listed_company_executive", org)

    def ownership(self, org: int, rep: int, supervisor: int, county: str, partner: bool) -> None:
        """Shareholders of a new enterprise; its current stakes sum to at most 100%."""
        rng = self.rng
        remaining = 10000
        if len(self.pool) and rng.random() < 0.22:
            remaining -= self.corporate_parent(org, rep)
        if remaining > 0 and rng.random() < 0.01:
            # Kept open for a subsidiary to take up later: a cross-holding or a cycle.
            self.reserved[org] = held = min(remaining, rng.randint(300, 1500))
            remaining -= held
        if remaining > 0 and self.hubs and not partner and rng.random() < 0.05:
            controlling = rng.random() < 0.3
            points = rng.randint(5100, 10000) if controlling else rng.randint(500, 4900)
            points = min(remaining, points)
            self.org_stake(self.hub_for(county), org, points)
            remaining -= points
        if remaining > 0:
            self.person_holders(org, rep, supervisor, county, remaining)

    def corporate_parent(self, org: int, rep: int) -> int:
        """A parent drawn by preferential attachment; returns the points it holds."""
        rng = self.rng
        parent = self.pool[rng.randrange(len(self.pool))]
        r = rng.random()
        if r < 0.35:
            points = 10000
        else:
            points = rng.randint(5100, 9900) if r < 0.65 else rng.randint(1000, 4900)
        since = max(self.established[org], self.established[parent])
        founded = self.adult_since(rep, self.established[org])
        if points == 10000 and rng.random() < 0.3 and max(since, founded) + 30 < self.as_of - 30:
            # Bought from its founder, who held everything until then.
            since = rng.randint(max(since, founded) + 30, self.as_of - 30)
            self.person_stake(rep, org, 10000, until=since)
        self.org_stake(parent, org, points, since)
        # Each acquisition makes the parent likelier to acquire again: a heavy-tailed
        # number of subsidiaries per group.
        self.pool.extend((parent,) * _ATTACHMENT)
        self.parent[org] = parent
        self.close_cycle(org, parent)
        return points

    def close_cycle(self, org: int, parent: int) -> None:
        """Take up a stake the parent (a cross-holding) or grandparent (a cycle) kept open."""
        for target in (parent, self.parent[parent]):
            if target in self.reserved and self.rng.random() < 0.5:
                self.org_stake(org, target, self.reserved.pop(target))
                return

    def person_holders(self, org: int, rep: int, supervisor: int, county: str, points: int) -> None:
        """The legal rep, often with the supervisor (the typical two-person LLC), rarely a third."""
        r = self.rng.random()
        holders = [rep]
        if r >= 0.5 and supervisor != rep:
            holders.append(supervisor)
        if r >= 0.9:
            holders.append(self.new_person(county))
        for holder, share in zip(holders, self.split(points, len(holders)), strict=True):
            self.person_stake(holder, org, share)

    def split(self, points: int, parts: int) -> list[int]:
        """``points`` in ``parts`` positive shares, the first the largest."""
        if points < parts:
            return [points] + [0] * (parts - 1)
        weights = sorted((self.rng.random() + 0.2 for _ in range(parts)), reverse=True)
        total = sum(weights)
        rest = [max(1, int(points * w / total)) for w in weights[1:]]
        return [points - sum(rest), *rest]

    def join_pool(self, org: int, size: int) -> None:
        """Weight for preferential attachment: big firms start as likelier parents."""
        weight = (1 if self.rng.random() < 0.5 else 0, 3, 10)[size]
        for _ in range(weight):
            self.pool.append(org)

    def firm_professional(self, org: int, rep: int, county: str) -> None:
        r = self.rng.random()
        if r < 0.003:
            self.licence(rep, "legal_representative", org)
        elif r < 0.02:
            self.licence(self.new_person(county), self.pick(_FIRM_OCCUPATIONS), org)
