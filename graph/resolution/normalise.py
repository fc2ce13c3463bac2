"""Names as resolution compares them: folded so that spellings of one name meet.

These are *matching* forms, never stored as the subject's name nor used as a key a row can
name (the conservative key normalisation is :func:`graph.identifiers.normalise_org_name`).
They may be lossy on purpose: a legal form is dropped from an organisation's name, a person's
name loses its separators, a Chinese name becomes toneless pinyin so that a Latin-script list
(``Zhang Wei``) meets the Chinese one (``张伟``). Whatever they join is only a *candidate*:
a person decides.

Traditional characters become simplified with OpenCC's ``t2s`` dictionaries (the ``opencc``
package: the project's own C++ library with its dictionaries, ~1 µs a name; the pure-Python
reimplementation is unmaintained and a hundred times slower), pinyin comes from ``pypinyin``,
whose phrase dictionary reads 重庆 as ``chongqing``, not ``zhongqing``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

_T2S = opencc.OpenCC("t2s")

# Everything that is neither a letter nor a digit separates words (brackets, punctuation,
# the middle dot of transcribed names, full-width forms once NFKC has folded them).
_SEPARATORS = re.compile(r"[^\w]+|_")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]")
_CJK_SPACE = re.compile(r"(?<=[^a-z0-9 ]) | (?=[^a-z0-9 ])")

# Legal forms, longest first so that 股份有限公司 is removed whole, not as 有限公司 with a
# 股份 left over. Latin forms are matched as whole trailing words of the folded name.
_CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "股份公司",
    "有限公司",
    "集团公司",
    "合伙企业",
    "普通合伙",
    "有限合伙",
    "分公司",
    "公司",
)
_LATIN_LEGAL_FORMS = frozenset(
    {
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "plc",
        "lp",
        "llp",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "spa",
        "srl",
        "pte",
        "pty",
        "kk",
        "oy",
        "ab",
        "as",
    }
)
# Surnames that pypinyin, reading them as ordinary words, would spell with the other reading.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "尉": "yu",
    "万俟": "moqi",
    "长孙": "zhangsun",
}


def fold(text: str) -> str:
    """NFKC (full- and half-width forms), simplified characters, case-folded, every run of
    punctuation, brackets or spaces one space; stripped.

    >>> fold("（中國）ＡＢＣ  有限責任公司")
    '中国 abc 有限责任公司'
    """
    simplified = _T2S.convert(unicodedata.normalize("NFKC", text)).casefold()
    return " ".join(_SEPARATORS.sub(" ", simplified).split())


def _squeeze(folded: str) -> str:
    """Spaces removed between CJK characters (Chinese is not written with them), kept
    between Latin words."""
    return _CJK_SPACE.sub("", folded)


@lru_cache(maxsize=1 << 16)
def org_name(name: str) -> str:
    """An organisation's name for matching: folded, its trailing legal form removed.

    >>> org_name("南京某某科技股份有限公司") == org_name("南京某某科技有限責任公司")
    True
    >>> org_name("Acme Trading Co., Ltd.")
    'acme trading'
    """
    folded = fold(name)
    words = folded.split()
    while len(words) > 1 and words[-1] in _LATIN_LEGAL_FORMS:
        words.pop()
    core = _squeeze(" ".join(words))
    for form in _CJK_LEGAL_FORMS:
        if core.endswith(form):
            if len(core) > len(form):
                core = core[: -len(form)]
            break
    return core


@lru_cache(maxsize=1 << 16)
def person_name(name: str) -> str:
    """A person's name for matching: folded, without separators between CJK characters
    (阿卜杜·热合曼 and 阿卜杜热合曼 meet), Latin words kept apart.

    >>> person_name("張　偉")
    '张伟'
    """
    return _squeeze(fold(name))


def is_latin(text: str) -> bool:
    """Whether a matching form is written in Latin script (no CJK character in it)."""
    return _CJK.search(text) is None and _LATIN.search(text) is not None


@lru_cache(maxsize=1 << 16)
def latin_key(matching: str, person: bool = False) -> str:
    """The toneless Latin spelling of a matching form, its words sorted and joined: what a
    Latin-script list and a Chinese one have in common. ``person`` reads a leading surname
    with its surname reading.

    >>> latin_key("张伟", person=True) == latin_key("wei zhang") == "weizhang"
    True
    >>> latin_key("曾国藩", person=True)
    'fanguozeng'
    """
    words: list[str] = []
    rest = matching
    if person:
        for surname in sorted(_SURNAME_READINGS, key=len, reverse=True):
            if rest.startswith(surname):
                words.append(_SURNAME_READINGS[surname])
                rest = rest[len(surname) :]
                break
    for part in lazy_pinyin(rest, style=Style.NORMAL, errors="default"):
        words.extend(part.split())
    return "".join(sorted(w for w in (_SEPARATORS.sub("", w) for w in words) if w))
