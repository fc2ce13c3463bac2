"""Records: red, black and focus list entries, their departments, windows and statuses."""

from __future__ import annotations

from datetime import date
from typing import Final

from loaders.synthetic.departments import COURT, Department
from loaders.synthetic.persons import Persons, adult
from loaders.synthetic.rows import Subject, iso
from loaders.synthetic.sampling import Weighted
from loaders.synthetic.state import YEAR

# Publication windows in days (domain.md: general 3 months–1 year, severe 1–3 years).
_WINDOW: Final[dict[str, tuple[int, int]]] = {
    "general": (90, 365),
    "serious": (180, 730),
    "severe": (365, 1095),
    "red": (365, 1095),
}
_MIN_PERIOD: Final[dict[str, int]] = {"general": 90, "serious": 180, "severe": 365}

# Where a professional's misconduct is recorded: (department suffix, category).
PROFESSIONAL_RECORD: Final[dict[str, tuple[str, str]]] = {
    "accounting_staff": ("CZT", "finance"),
    "cpa": ("CZT", "finance"),
    "auditor": ("CZT", "finance"),
    "appraiser": ("CZT", "other"),
    "tax_agent": ("SWJ", "tax"),
    "eia_engineer": ("STHJT", "environment"),
    "certification_inspector": ("SCJGJ", "product_quality"),
    "securities_futures": ("JRJGJ", "finance"),
    "insurance_broker": ("JRJGJ", "finance"),
    "project_manager": ("ZJT", "contract"),
    "tour_guide": ("WHHLYT", "other"),
    "patent_agent": ("ZSCQJ", "intellectual_property"),
}


class Records(Persons):
    """Records of organisations and persons, numbered per department and year."""

    def next_record_id(self, department: Department, decided: int) -> str:
        year = date.fromordinal(decided).year
        key = (department.code, year)
        self.record_seq[key] = seq = self.record_seq.get(key, 0) + 1
        return f"{department.code}-{year}-{seq:06d}"

    def basis(self, department: Department, decided: int, county: str, red: bool) -> str:
        year = date.fromordinal(decided).year
        number = self.rng.randint(1, 3000)
        short = department.province.short
        if department.spec.suffix == COURT:
            # An enforcement case number names the county court: （2024）苏0505执1234号.
            if county[:2] != department.province.code:
                county = self.county(department.province)
            return f"（{year}）{short}{county[2:6]}执{number}号"
        act = "发" if red else "罚"
        return f"{short}{department.spec.doc}{act}〔{year}〕{number}号"

    def decided_after(self, start: int) -> int | None:
        """A decision date in the last five years, after ``start``; None if there is no room."""
        earliest = max(self.as_of - 5 * YEAR, start + 30)
        if earliest >= self.as_of - 1:
            return None
        return self.rng.randint(earliest, self.as_of - 1)

    def window(self, level: str, category: str) -> int:
        if category == "judgment_debtor" and self.rng.random() < 0.8:
            return 2 * YEAR  # 法释〔2017〕7号: usually two years
        low, high = _WINDOW[level]
        return self.rng.randint(low, high)

    def status(self, level: str, decided: int, until: int) -> str:
        r = self.rng.random()
        if r < 0.03:
            return "revoked"
        if level == "red":
            return "expired" if until < self.as_of else "active"
        if r < 0.2 and decided + _MIN_PERIOD[level] <= self.as_of:
            return "repaired"  # minimum period served, act corrected, commitment made
        if until < self.as_of:
            return "expired"
        return "under_objection" if r > 0.95 else "active"

    def record(
        self,
        subject: Subject,
        department: Department,
        list_: str,
        category: str,
        level: str,
        decided: int,
        county: str,
        status: str | None = None,
    ) -> None:
        rng = self.rng
        red = list_ == "red"
        delay = 0 if rng.random() < 0.6 else rng.randint(1, 10)
        publish_from = min(decided + delay, self.as_of)
        until = publish_from + self.window("red" if red else level, category)
        status = status or self.status("red" if red else level, decided, until)
        row = (
            self.next_record_id(department, decided), *subject, list_, category, level,
            department.code, self.basis(department, decided, county, red), iso(decided),
            iso(publish_from), iso(until), status, department.province.code,
        )  # fmt: skip
        self.sink.write("records", row)

    def sanction(
        self, subject: Subject, county: str, start: int, weights: Weighted[Department]
    ) -> str:
        """A random black or focus record of a subject existing since ``start``; its category."""
        decided = self.decided_after(start)
        if decided is None:
            return ""
        rng = self.rng
        department = weights.pick(rng)
        category = self.pick(department.spec.categories)
        if category == "judgment_debtor":
            list_, level = "black", "severe"  # 失信被执行人 is a severe list in itself
        elif rng.random() < 0.45:
            list_, level = "black", "severe" if rng.random() < 0.75 else "serious"
        else:
            list_, level = "focus", "general" if rng.random() < 0.6 else "serious"
        self.record(subject, department, list_, category, level, decided, county)
        return category

    def judgment_debtor(self, person: int, county: str, start: int) -> None:
        decided = self.decided_after(max(start, adult(self.birth[person])))
        if decided is not None:
            court = self.courts.get(county[:2], self.courts[self.home.code])
            subject = self.person_subject(person)
            self.record(subject, court, "black", "judgment_debtor", "severe", decided, county)

    def professional_record(self, person: int, occupation: str, start: int) -> None:
        decided = self.decided_after(start)
        if decided is not None:
            suffix, category = PROFESSIONAL_RECORD[occupation]
            department = self.by_code[f"{self.home.abbr}-{suffix}"]
            level = "general" if self.rng.random() < 0.6 else "serious"
            subject = self.person_subject(person)
            self.record(subject, department, "focus", category, level, decided, self.county())

    def honour(self, subject: Subject, county: str, start: int) -> None:
        decided = self.decided_after(start)
        if decided is not None:
            department = self.pick(self.honour_issuers)
            self.record(subject, department, "red", "honour", "", decided, county)

    def org_records(self, org: int, county: str, negative: float, red: float) -> set[str]:
        """Random records of an organisation: black/focus with odds ``negative``, red ``red``.

        Returns the categories of its black/focus records.
        """
        rng = self.rng
        subject: Subject = (self.usccs[org], "", "")
        start = self.established[org]
        categories = set()
        if rng.random() < negative:
            weights = self.negative_weights(county)
            categories.add(self.sanction(subject, county, start, weights))
            while rng.random() < 0.3:
                categories.add(self.sanction(subject, county, start, weights))
        # Red lists are the home province's honours of its own organisations.
        if rng.random() < red and county[:2] == self.home.code:
            self.honour(subject, county, start)
        return categories

    def negative_weights(self, county: str) -> Weighted[Department]:
        if county[:2] != self.home.code:
            return self.partner_weights[county[:2]]
        # "一处失信、处处受限": now and then a partner province's department lists a home firm.
        if self.rng.random() < 0.05:
            return self.partner_weights[self.partners.pick(self.rng).code]
        return self.home_weights
