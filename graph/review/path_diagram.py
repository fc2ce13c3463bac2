"""A flag's propagation path as a small inline SVG diagram, for print and screen.

Pure: steps and display names in, SVG text out, the same input always the same bytes. The
printable credit report (``templates/credit_report.html``) embeds it beside the textual path,
and the dashboards' credit review page shows the same picture, so a regulator reads one
drawing wherever a flag is explained.

Layout: the subjects of the path left to right in the order the flag travelled, the record's
own subject first (red border) and the flagged subject last (bold border); organisations as
rectangles, persons as rounded boxes. Each link's arrowhead shows the relationship's own direction
(``out``: it points at the next subject; ``in``: back at the previous one), labelled
with the relationship above and the rule below. Names longer than two short lines are cut
with an ellipsis, the full name kept in a ``<title>`` a browser shows on hover.

No script, no external reference, every text escaped: the report stays self-contained and
the SVG is safe to mark as markup.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from html import escape

from markupsafe import Markup

from graph.model import PathStep, label_of

BOX_WIDTH = 132
BOX_HEIGHT = 46
GAP = 96  # the room for a link and its labels between two boxes
MARGIN = 6
FONT_SIZE = 11
LINE_EMS = 11  # a box line holds about this many wide (CJK) characters
RECORD_SUBJECT_STROKE = "#b3261e"
_NAMESPACE = ' xmlns="http://www.w3.org/2000/svg"'

# Short bilingual relationship labels: the diagram has room for a word, not a sentence.
REL_SHORT = {
    "LEGAL_REP_OF": "法定代表人 legal rep.",
    "OFFICER_OF": "任职 officer",
    "SHAREHOLDER_OF": "持股 shareholder",
    "BRANCH_OF": "分支机构 branch",
    "PRACTISES_AT": "执业 practises",
}


def path_svg(
    steps: Sequence[PathStep],
    names: Mapping[str, str],
    *,
    is_person: Callable[[str], bool] | None = None,
    standalone: bool = False,
) -> Markup:
    """The path ``steps`` as an inline SVG element.

    Parameters
    ----------
    steps : sequence of PathStep
        The flag's path, from the record's subject to the flagged subject.
    names : mapping of str to str
        Display names by subject key; a key without a name is shown as itself.
    is_person : callable, optional
        Whether a key is a person's; by default the key's shape says
        (:func:`graph.model.label_of`). A caller showing aliases passes its own.
    standalone : bool
        For an SVG file or image (a data URL), which must declare the SVG namespace; inline
        in HTML it needs none, and the report names no external address at all.

    Returns
    -------
    Markup
        ``<svg …>…</svg>``, or an empty string for an empty path.

    Examples
    --------
    >>> step = PathStep(source="ORG", rel="LEGAL_REP_OF", direction="in", target="p", rule="R1")
    >>> svg = path_svg([step], {"ORG": "无锡示例<有限>公司", "p": "王五"})
    >>> svg.startswith("<svg") and "无锡示例&lt;有限&gt;公司" in svg and "R1" in svg
    True
    >>> path_svg([], {})
    Markup('')
    """
    if not steps:
        return Markup("")
    person = is_person or (lambda key: label_of(key) == "Person")
    keys = [steps[0].source, *(step.target for step in steps)]
    width = 2 * MARGIN + len(keys) * BOX_WIDTH + (len(keys) - 1) * GAP
    height = 2 * MARGIN + BOX_HEIGHT
    title = " → ".join(names.get(key, key) for key in keys)
    parts = [
        f'<svg{_NAMESPACE if standalone else ""} class="path-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-size="{FONT_SIZE}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    last = len(keys) - 1
    for index, key in enumerate(keys):
        parts.append(_box(index, key, names.get(key, key), person(key), last=index == last))
    for index, step in enumerate(steps):
        parts.append(_link(index, step))
    parts.append("</svg>")
    return Markup("".join(parts))


def _x(index: int) -> int:
    return MARGIN + index * (BOX_WIDTH + GAP)


def _box(index: int, key: str, name: str, is_person: bool, *, last: bool) -> str:
    x, y = _x(index), MARGIN
    stroke, stroke_width = "#555", "1"
    if index == 0:
        stroke, stroke_width = RECORD_SUBJECT_STROKE, "2"
    elif last:
        stroke, stroke_width = "#111", "2.5"
    radius = 14 if is_person else 2
    lines = _wrap(name, 2)
    first_y = y + BOX_HEIGHT / 2 - (len(lines) - 1) * (FONT_SIZE + 2) / 2 + FONT_SIZE / 3
    text = "".join(
        f'<tspan x="{x + BOX_WIDTH / 2:g}" y="{first_y + i * (FONT_SIZE + 2):g}">'
        f"{escape(line)}</tspan>"
        for i, line in enumerate(lines)
    )
    return (
        f'<g class="{"person" if is_person else "organization"}"><title>{escape(name)}</title>'
        f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="{radius}" '
        f'fill="#fff" stroke="{stroke}" stroke-width="{stroke_width}"/>'
        f'<text text-anchor="middle">{text}</text></g>'
    )


def _link(index: int, step: PathStep) -> str:
    left = _x(index) + BOX_WIDTH + 2
    right = _x(index + 1) - 2
    middle_y = MARGIN + BOX_HEIGHT / 2
    # The arrowhead is a plain polygon, not a <marker>: a marker needs an id, and a report
    # holding several diagrams would repeat it.
    tip, back = (right, right - 8) if step.direction == "out" else (left, left + 8)
    label = REL_SHORT.get(step.rel, step.rel)
    centre = (left + right) / 2
    return (
        f'<g class="link"><line x1="{left}" y1="{middle_y:g}" x2="{right}" y2="{middle_y:g}" '
        f'stroke="#333" stroke-width="1.2"/>'
        f'<polygon points="{tip},{middle_y:g} {back},{middle_y - 4:g} {back},{middle_y + 4:g}" '
        f'fill="#333"/>'
        f'<text x="{centre:g}" y="{middle_y - 5:g}" text-anchor="middle" font-size="9">'
        f"{escape(_cut(label, GAP // 9))}</text>"
        f'<text x="{centre:g}" y="{middle_y + 13:g}" text-anchor="middle" font-size="9" '
        f'fill="#555">{escape(step.rule)}</text></g>'
    )


def _width(char: str) -> float:
    """A character's width in ems: wide (CJK) characters one, others about half."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def _wrap(text: str, max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines of ``LINE_EMS`` ems, the last cut with an
    ellipsis when the text does not fit."""
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines:
        taken, ems = 0, 0.0
        while taken < len(rest) and ems + _width(rest[taken]) <= LINE_EMS:
            ems += _width(rest[taken])
            taken += 1
        lines.append(rest[:taken])
        rest = rest[taken:]
    if rest:
        lines[-1] = _cut(lines[-1] + rest, LINE_EMS)
    return lines or [""]


def _cut(text: str, ems: float) -> str:
    """``text`` cut to ``ems`` ems with a trailing ellipsis when it is longer."""
    if sum(map(_width, text)) <= ems:
        return text
    kept, used = "", 1.0  # room for the ellipsis
    for char in text:
        if used + _width(char) > ems:
            break
        kept += char
        used += _width(char)
    return kept.rstrip() + "…"
