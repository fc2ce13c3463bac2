"""Resolution benchmark: precision and recall of the candidate scorer on real board data.

    .venv/bin/python bench/resolution.py
    .venv/bin/python bench/resolution.py --data path/to/executive_prep.csv --no-splink

The labelled set is built at run time from the A-share board file (columns
``name,gender,age,code,jobs``; never copied here: it is personal data). Each board seat is a
record; two records with the same (name, gender, age) are the same person (upstream
deduplicated people so), two with the same name and another gender or age are namesakes,
true non-matches. Candidates are blocked as the graph blocks them (the matching form of the
name, :mod:`graph.resolution.normalise`) and scored by :func:`graph.resolution.scoring.score`,
twice: with age withheld (birth data is absent from most sources) and with it (as a birth
year, 2018 minus the age: the file was scraped in 2018). With ``splink`` installed
(duckdb backend) its Fellegi-Sunter model is trained and measured on the same blocks.
Figures are printed, never asserted.

nomenklatura (OpenSanctions) resolves by pairwise scoring of candidates from an index, a
person's judgement on each pair (match / no match / unsure), and a resolver graph whose
connected "same" components become canonical ids, decisions kept as edges so a judgement
can be taken back: the shape graph/resolution follows (scored candidates, Resolution nodes,
merge and undo).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.resolution.normalise import person_name
from graph.resolution.scoring import Facts, score

# The real data sit beside the checkout (../shared/data/real), as the tests read them.
DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared" / "data" / "real" / "cn-ashare-executives" / "executive_prep.csv"
)  # fmt: skip
SCRAPED = 2018
THRESHOLDS = (0.5, 0.8, 0.85, 0.9, 0.95, 1.0)
GENDER = {"男": "m", "女": "f"}

Seat = tuple[str, str, int | None, str]  # name, gender, age, company code
Pair = tuple[int, int]


def read_seats(path: Path) -> list[Seat]:
    seats: list[Seat] = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            age = row["age"].strip()
            seats.append(
                (row["name"].strip(), row["gender"].strip(), int(age) if age.isdigit() else None,
                 row["code"].strip().zfill(6))
            )  # fmt: skip
    return seats


def blocks(seats: list[Seat]) -> list[list[int]]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, (name, *_) in enumerate(seats):
        by_key[person_name(name)].append(i)
    return [members for members in by_key.values() if len(members) > 1]


def truth(seats: list[Seat]) -> set[Pair]:
    by_person: dict[tuple[str, str, int | None], list[int]] = defaultdict(list)
    for i, (name, gender, age, _) in enumerate(seats):
        if age is not None:
            by_person[(name, gender, age)].append(i)
    return {pair for members in by_person.values() for pair in combinations(members, 2)}


def facts(i: int, seat: Seat, with_age: bool) -> Facts:
    name, gender, age, _ = seat
    return Facts(
        key=str(i),
        kind="person",
        name=name,
        gender=GENDER.get(gender),
        birth_year=SCRAPED - age if with_age and age is not None else None,
    )


def our_scores(
    seats: list[Seat], candidate_blocks: list[list[int]], with_age: bool
) -> dict[Pair, float]:
    scored: dict[Pair, float] = {}
    for members in candidate_blocks:
        built = {i: facts(i, seats[i], with_age) for i in members}
        for a, b in combinations(members, 2):
            scored[(a, b)] = score(built[a], built[b]).value
    return scored


def measure(
    scored: dict[Pair, float], true: set[Pair], threshold: float
) -> tuple[float, float, float, int]:
    predicted = {pair for pair, value in scored.items() if value >= threshold}
    hits = len(predicted & true)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(predicted)


def report(
    title: str, scored: dict[Pair, float], true: set[Pair], thresholds: tuple[float, ...]
) -> None:
    print(f"\n{title}")
    print(f"  {'threshold':>9}  {'pairs':>7}  {'precision':>9}  {'recall':>6}  {'F1':>6}")
    for threshold in thresholds:
        p, r, f1, n = measure(scored, true, threshold)
        print(f"  {threshold:>9.2f}  {n:>7}  {p:>9.3f}  {r:>6.3f}  {f1:>6.3f}")


def splink_scores(seats: list[Seat], with_age: bool) -> dict[Pair, float] | None:
    """Splink's match probability for every pair sharing a name (duckdb backend)."""
    try:
        import pandas as pd
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError:
        return None
    frame = pd.DataFrame(
        [
            {"unique_id": i, "name": person_name(name), "surname": name[:1], "gender": gender,
             "age": age if with_age else None, "code": code}
            for i, (name, gender, age, code) in enumerate(seats)
        ]
    )  # fmt: skip
    comparisons = [cl.ExactMatch("name"), cl.ExactMatch("gender")]
    if with_age:
        comparisons.append(cl.ExactMatch("age"))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("name")],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match([block_on("name")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    # Unsupervised, as splink is meant to be trained: each pass learns the comparisons its
    # blocking rule leaves free (the name within a surname, then gender and age by name).
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname", "gender", *(["age"] if with_age else []))
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    predicted = linker.inference.predict().as_pandas_dataframe()
    return {
        (min(int(a), int(b)), max(int(a), int(b))): float(p)
        for a, b, p in zip(predicted["unique_id_l"], predicted["unique_id_r"],
                           predicted["match_probability"], strict=True)
    }  # fmt: skip


def timed(
    label: str, work: Callable[..., dict[Pair, float] | None], *args: Any
) -> dict[Pair, float] | None:
    began = time.perf_counter()
    result = work(*args)
    if result is not None:
        print(f"  ({label}: {len(result)} pairs scored in {time.perf_counter() - began:.1f}s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-splink", action="store_true")
    args = parser.parse_args()
    seats = read_seats(args.data)
    true = truth(seats)
    candidate_blocks = blocks(seats)
    in_blocks = sum(len(m) * (len(m) - 1) // 2 for m in candidate_blocks)
    people = len({(n, g, a) for n, g, a, _ in seats})
    print(
        f"{len(seats)} board seats, {people} (name, gender, age) people, "
        f"{len(true)} true pairs; {len(candidate_blocks)} name blocks holding {in_blocks} pairs "
        f"(blocking recall {len(true & _pairs(candidate_blocks)) / len(true):.3f})"
    )
    for with_age in (False, True):
        label = "with age" if with_age else "age withheld"
        ours = timed("rapidfuzz scorer", our_scores, seats, candidate_blocks, with_age)
        assert ours is not None
        report(f"graph.resolution.scoring ({label})", ours, true, THRESHOLDS)
        if not args.no_splink:
            theirs = timed("splink", splink_scores, seats, with_age)
            if theirs is None:
                print("\n  splink not installed: pip install splink")
            else:
                report(
                    f"splink, duckdb ({label}; match probability)",
                    theirs,
                    true,
                    (0.5, 0.8, 0.9, 0.99),
                )


def _pairs(candidate_blocks: list[list[int]]) -> set[Pair]:
    return {pair for members in candidate_blocks for pair in combinations(members, 2)}


if __name__ == "__main__":
    main()
