"""Persons: names, ID numbers or source keys, dates of birth."""

from __future__ import annotations

from datetime import date

from graph.identifiers import make_id_number
from loaders.synthetic.geography import GENERIC_COUNTIES, MIGRANT_ORIGINS
from loaders.synthetic.names import GIVEN_FEMALE, GIVEN_MALE, GIVEN_MIDDLE, SURNAMES
from loaders.synthetic.rows import Subject
from loaders.synthetic.state import YEAR, State


def adult(birth: int) -> int:
    return birth + 18 * YEAR + 5  # the 18th birthday, leap days included


class Persons(State):
    """Who is who: every person is made here and referred to by number."""

    def surname(self) -> str:
        return SURNAMES.pick(self.rng)

    def given_name(self, male: bool) -> str:
        last = self.pick(GIVEN_MALE if male else GIVEN_FEMALE)
        return last if self.rng.random() < 0.3 else self.pick(GIVEN_MIDDLE) + last

    def birthplace(self, county: str) -> str:
        """The address code of an ID number: mostly where the person lives, else elsewhere."""
        r = self.rng.random()
        if r < 0.7:
            return county
        if r < 0.9:
            return self.county(self.provinces.get(county[:2], self.home))
        origin = MIGRANT_ORIGINS.pick(self.rng)
        if origin == "83":
            return "830000"
        return f"{origin}{self.rng.randint(1, 15):02d}{self.pick(GENERIC_COUNTIES)}"

    def new_person(self, county: str, surname: str | None = None, keyed: bool | None = None) -> int:
        index = len(self.birth)
        code = self.id_scramble(index)
        birth = self.as_of - 70 * YEAR + code // 1000
        sequence = code % 1000
        male = sequence % 2 == 1  # GB 11643: an odd sequence is a man
        name = (surname or self.surname()) + self.given_name(male)
        if keyed is None:
            keyed = self.rng.random() < 0.05
        if keyed:
            # A source that knows the person without an ID number: a global person key of
            # what it knows, the name and the birth date (LAYOUTS.md, "Keys").
            key = f"name={name};born={date.fromordinal(birth).isoformat()}"
            self.persons.append("K")
            self.person_keys[index] = key
            self.sink.write("persons", ("", key, name, county, "", ""))
        else:
            born = date.fromordinal(birth)
            id_number = make_id_number(self.birthplace(county), born, sequence)
            self.persons.append(id_number)
            self.sink.write(
                "persons", (id_number, "", name, county, "male" if male else "female", born.year)
            )
        self.birth.append(birth)
        return index

    def person_columns(self, person: int) -> tuple[str, str]:
        ref = self.persons[person]
        return ("", self.person_keys[person]) if ref == "K" else (ref, "")

    def person_subject(self, person: int) -> Subject:
        return ("", *self.person_columns(person))

    def someone(self, county: str) -> int:
        """An officer or co-owner: mostly a new person, sometimes one who sits elsewhere too."""
        if self.rng.random() < 0.25:
            return self.rng.randrange(len(self.birth))
        return self.new_person(county)

    def adult_since(self, person: int, start: int) -> int:
        return max(start, adult(self.birth[person]))
