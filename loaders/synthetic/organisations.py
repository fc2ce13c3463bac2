"""Organisations: the kinds, how each is registered, named, staffed and owned."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Final

from graph.identifiers import USCC_ALPHABET, make_uscc
from loaders.synthetic.geography import ECONOMY
from loaders.synthetic.names import (
    ASSOCIATIONS,
    CROPS,
    DIRECTIONS,
    INDUSTRIES,
    NUMERALS,
    SHOPS,
    TRADE_NAME,
)
from loaders.synthetic.relationships import Relationships
from loaders.synthetic.rows import iso
from loaders.synthetic.sampling import Weighted, parse_weights
from loaders.synthetic.state import BOARDS

# (authority, category) of USCC characters 1–2 (GB 32100).
_USCC_TYPE: Final[dict[str, tuple[str, str]]] = {
    "enterprise": ("9", "1"),
    "state_asset_holder": ("9", "1"),
    "individual_business": ("9", "2"),
    "farmer_coop": ("9", "3"),
    "public_institution": ("1", "2"),
}
_SOCIAL_ORG_TYPES: Final = ("1", "2", "3")  # 社会团体, 民办非企业单位, 基金会 (authority 5)
_HOME_KINDS: Final = Weighted(
    parse_weights(
        "individual_business 0.740 enterprise 0.230 farmer_coop 0.015 social_org 0.008 "
        "public_institution 0.007"
    )
)
_PARTNER_KINDS: Final = Weighted(parse_weights("enterprise 0.85 individual_business 0.15"))
_USCC_ERA: Final = date(2015, 10, 1).toordinal()  # new registrations got "MA…" bodies from here

# Institutions and the professionals who practise there.
_INSTITUTIONS: Final = (
    ("第{n}人民医院", "medical_staff"),
    ("中医院", "medical_staff"),
    ("第{n}中学", "teacher"),
    ("实验小学", "teacher"),
    ("农业科学研究所", "researcher"),
    ("产品质量监督检验所", "certification_inspector"),
    ("政务服务中心", "civil_servant"),
    ("公共资源交易中心", "civil_servant"),
)


class Organisations(Relationships):
    """State-asset holders, the ordinary kinds, enterprises and their branches."""

    def org_body(self, index: int, established: int) -> str:
        """USCC characters 9–16: "MA…" for registrations since the USCC, 8 digits before."""
        if established >= _USCC_ERA:
            value = self.ma_scramble(index)
            chars = []
            for _ in range(6):
                value, digit = divmod(value, 31)
                chars.append(USCC_ALPHABET[digit])
            return "MA" + "".join(chars)
        return f"{self.digit_scramble(index):08d}"

    def register(
        self,
        kind: str,
        county: str,
        name: str,
        established: int,
        capital: int | None,
        *,
        status: str = "active",
        uscc_type: tuple[str, str] | None = None,
        hub: bool = False,
        stock_code: str = "",
    ) -> int:
        index = len(self.established)
        authority, category = uscc_type or _USCC_TYPE[kind]
        uscc = make_uscc(county, self.org_body(index, established), authority, category)
        self.usccs.append(uscc)
        self.established.append(established)
        self.parent.append(-1)
        capital_text = "" if capital is None else str(capital)
        row = (
            uscc, name, kind, county, status, iso(established), capital_text,
            "true" if hub else "", stock_code,
        )  # fmt: skip
        self.sink.write("organizations", row)
        return index

    def stock_code(self) -> str:
        """A new listed company's unique stock code; "" once the boards' codes run out."""
        listed = self.listed
        if listed >= len(BOARDS) * 1000:
            return ""
        self.listed += 1
        code = self.stock_scramble(listed)
        return f"{BOARDS[code // 1000]}{code % 1000:03d}"

    def trade_name(self) -> str:
        return self.pick(TRADE_NAME) + self.pick(TRADE_NAME)

    def company_name(self, county: str, joint_stock: bool = False) -> str:
        if joint_stock:
            form = "股份有限公司"
        else:
            form = "有限责任公司" if self.rng.random() < 0.1 else "有限公司"
        return f"{self.place(county)[0]}{self.trade_name()}{self.pick(INDUSTRIES)}{form}"

    def state_asset_holders(self, count: int) -> None:
        """The provincial holder (region XX0000), then those of the largest areas."""
        home = self.home
        provincial = home.code + "0000"
        by_weight = sorted(parse_weights(ECONOMY[home.code]), key=lambda pair: -pair[1])
        for area in [provincial, *(a for a, _ in by_weight)][:count]:
            # A city's holder is registered at the city code (320500), with officers living
            # there; the provincial one at XX0000, with officers anywhere in the province.
            seat = area if len(area) == 6 else area + "00"
            if area == provincial:
                name, homes = f"{home.name}国有资本投资运营集团有限公司", self.county()
            else:
                purpose = self.pick(("国有资产投资经营", "城市建设投资", "产业投资"))
                name, homes = f"{self.place(seat)[1]}{purpose}集团有限公司", self.county_in(area)
            established = self.between(date(1995, 1, 1), date(2012, 12, 31))
            capital = self.capital(500_000, 0.8)
            hub = self.register("state_asset_holder", seat, name, established, capital, hub=True)
            self.hubs[area] = hub
            chairman = self.new_person(homes, keyed=False)
            self.legal_rep(chairman, hub, established)
            self.officer(chairman, hub, "chairman")
            for role in ("general_manager", "director", "director", "supervisor"):
                self.officer(self.new_person(homes, keyed=False), hub, role)

    # ------------------------------------------------------------------ ordinary units

    def ordinary(self, room: int) -> None:
        """One organisation of a random kind (an enterprise may bring branches, within room)."""
        rng = self.rng
        partner = rng.random() < self.partner_share
        province = self.partners.pick(rng) if partner else self.home
        county = self.county(province)
        kind = (_PARTNER_KINDS if partner else _HOME_KINDS).pick(rng)
        if kind == "individual_business":
            self.individual_business(county)
        elif kind == "farmer_coop":
            self.farmer_coop(county)
        elif kind == "social_org":
            self.social_org(county)
        elif kind == "public_institution":
            self.public_institution(county)
        else:
            self.enterprise(county, partner, room)

    def individual_business(self, county: str) -> None:
        rng = self.rng
        established = self.since_age(5, date(2000, 1, 1))
        surname = self.surname()
        owner = self.legal_rep_for(county, surname, reuse=0.06)
        label = self.trade_name() if rng.random() < 0.8 else surname + "记"
        name = f"{self.place(county)[1]}{label}{self.pick(SHOPS)}"
        capital = self.capital(5, 1.0) if rng.random() < 0.7 else None
        status = self.org_status(established)
        org = self.register(
            "individual_business", county, name, established, capital, status=status
        )
        # The operator (经营者) is the legal rep and, for the graph, the 100% owner.
        self.legal_rep(owner, org, established)
        self.person_stake(owner, org, 10000)
        if "judgment_debtor" in self.org_records(org, county, negative=0.022, red=0.004):
            # A 个体工商户's debts are its operator's: the court lists the operator too.
            self.judgment_debtor(owner, county, established)

    def farmer_coop(self, county: str) -> None:
        rng = self.rng
        established = self.between(date(2007, 7, 1), date.max)  # Cooperatives Law
        name = f"{self.place(county)[1]}{self.trade_name()}{self.pick(CROPS)}专业合作社"
        capital = self.capital(50, 1.0)
        org = self.register("farmer_coop", county, name, established, capital)
        surname = self.surname()
        chairman = self.legal_rep_for(county, surname, reuse=0.02)
        self.legal_rep(chairman, org, established)
        self.officer(chairman, org, "chairman")
        # Members of a village cooperative often share the chairman's surname.
        members = [
            self.new_person(county, surname if rng.random() < 0.5 else None)
            for _ in range(rng.randint(1, 3))
        ]
        self.officer(members[0], org, "supervisor")
        for member, share in zip(
            [chairman, *members], self.split(10000, len(members) + 1), strict=True
        ):
            self.person_stake(member, org, share)
        self.org_records(org, county, negative=0.02, red=0.02)

    def social_org(self, county: str) -> None:
        rng = self.rng
        subtype = self.pick(_SOCIAL_ORG_TYPES)
        full = self.place(county)[1]
        if subtype == "1":
            name = f"{full}{self.pick(ASSOCIATIONS)}协会"
        elif subtype == "2":
            name = (
                f"{full}{self.trade_name()}{self.pick(('培训中心', '养老服务中心', '社工服务社'))}"
            )
        else:
            name = f"{full}{self.trade_name()}慈善基金会"
        established = self.between(date(1990, 1, 1), date.max)
        capital = self.capital(20, 1.0) if rng.random() < 0.5 else None
        org = self.register(
            "social_org", county, name, established, capital, uscc_type=("5", subtype)
        )
        head = self.new_person(county)
        self.legal_rep(head, org, established)
        self.officer(head, org, "chairman")
        self.officer(self.someone(county), org, "principal")  # 秘书长, who runs it day to day
        self.org_records(org, county, negative=0.01, red=0.02)

    def public_institution(self, county: str) -> None:
        rng = self.rng
        template, occupation = self.pick(_INSTITUTIONS)
        name = self.place(county)[1] + template.format(n=self.pick(NUMERALS))
        established = self.between(date(1950, 1, 1), date(2012, 12, 31))
        org = self.register("public_institution", county, name, established, self.capital(500, 1))
        head = self.new_person(county)
        self.legal_rep(head, org, established)
        self.officer(head, org, "principal")
        for _ in range(rng.randint(1, 2)):
            self.licence(self.new_person(county), occupation, org)
        self.org_records(org, county, negative=0.005, red=0.01)

    # ------------------------------------------------------------------ enterprises

    def enterprise(self, county: str, partner: bool, room: int) -> None:
        rng = self.rng
        established = self.since_age(8, date(1990, 1, 1))
        capital = self.capital(100, 1.8)
        size = 2 if capital >= 5000 else 1 if capital >= 500 else 0
        joint_stock = size == 2 and rng.random() < 0.4
        code = self.stock_code() if joint_stock and rng.random() < 0.3 else ""
        name = self.company_name(county, joint_stock)
        status = self.org_status(established)
        org = self.register(
            "enterprise", county, name, established, capital, status=status, stock_code=code
        )
        surname = self.surname()
        rep = self.legal_rep_for(county, surname, reuse=0.2)
        self.legal_rep_history(org, rep, county)
        supervisor = self.board(org, rep, size, county, surname, joint_stock, bool(code))
        self.ownership(org, rep, supervisor, county, partner)
        self.join_pool(org, size)
        self.org_records(org, county, negative=0.045, red=0.04)
        self.firm_professional(org, rep, county)
        branching = (0.0, 0.08, 0.6)[size]
        if room > 1 and rng.random() < branching:
            count = min(room - 1, int(rng.paretovariate(1.3)), 30)
            self.branches(org, name, county, count)

    def branches(self, head: int, head_name: str, county: str, count: int) -> None:
        """Branches of a head office; a branch has a principal, not a legal rep."""
        rng = self.rng
        # 南京分公司 for the first branch in a city, then 南京城东分公司, 南京城西分公司, …;
        # in the head office's own city only the quarter: 城东分公司.
        head_city = self.branch_place(county)
        in_city = Counter({head_city: 1})
        for _ in range(count):
            where = self.county(self.home if rng.random() < 0.9 else self.partners.pick(rng))
            city = self.branch_place(where)
            in_city[city] += 1
            seen = in_city[city] - 1
            quarter = DIRECTIONS[(seen - 1) % len(DIRECTIONS)] if seen else ""
            label = f"{'' if city == head_city else city}{quarter}分公司"
            established = rng.randint(self.established[head], self.as_of - 1)
            status = self.org_status(established)
            name = head_name + label
            branch = self.register("enterprise", where, name, established, None, status=status)
            self.sink.write("branches", (self.usccs[branch], self.usccs[head]))
            self.officer(self.someone(where), branch, "principal")
            self.org_records(branch, where, negative=0.01, red=0.0)

    def branch_place(self, county: str) -> str:
        """The place a branch is named after: the city, or in Shanghai the district (浦东)."""
        if county[:2] == "31":
            return (
                self.place(county)[1].removeprefix("上海市").removesuffix("新区").removesuffix("区")
            )
        return self.place(county)[0]
