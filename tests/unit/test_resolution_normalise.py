"""Matching forms of names (graph/resolution/normalise.py)."""

from __future__ import annotations

import pytest

from graph.resolution.normalise import fold, is_latin, latin_key, org_name, person_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("南京示例科技有限公司", "南京示例科技有限责任公司"),
        ("南京示例科技有限公司", "南京示例科技股份有限公司"),
        ("南京示例科技有限公司", "南京示例科技（有限公司）"),
        ("南京示例科技有限公司", "南京示例科技 有限公司"),
        ("南京示例科技有限公司", "南京示例科技有限責任公司"),  # traditional
        ("ＡＢＣ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．", "ABC Trading Limited"),  # full width
        ("Acme GmbH", "ACME"),
    ],
)
def test_spellings_of_one_organisation_meet(a: str, b: str) -> None:
    assert org_name(a) == org_name(b)


def test_the_name_itself_is_kept_when_it_is_only_a_legal_form() -> None:
    assert org_name("有限公司") == "有限公司"
    assert org_name("Limited") == "limited"


def test_distinct_organisations_stay_apart() -> None:
    assert org_name("南京示例科技有限公司") != org_name("南京示例电子有限公司")
    assert org_name("Acme Trading Co., Ltd.") != org_name("Acme Shipping Co., Ltd.")


def test_fold_maps_brackets_and_punctuation_to_single_spaces() -> None:
    assert fold("【北京】示例·公司（分部）") == "北京 示例 公司 分部"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张伟", "張偉"),
        ("张 伟", "张伟"),
        ("阿卜杜·热合曼", "阿卜杜热合曼"),
        ("ＬＩ　Ｍｉｎｇ", "li ming"),
    ],
)
def test_spellings_of_one_person_meet(a: str, b: str) -> None:
    assert person_name(a) == person_name(b)


def test_latin_script_lists_meet_chinese_names_in_either_order() -> None:
    assert latin_key(person_name("张伟"), person=True) == latin_key(person_name("Zhang Wei"))
    assert latin_key(person_name("张伟"), person=True) == latin_key(person_name("WEI Zhang"))
    # Surnames read with their surname reading, not the word's.
    assert latin_key("单田芳", person=True) == latin_key("shan tian fang")
    assert latin_key("曾国藩", person=True) == latin_key("zeng guofan".replace("guofan", "guo fan"))


def test_script_is_told_apart() -> None:
    assert is_latin("zhang wei")
    assert not is_latin("张伟")
    assert not is_latin("123")
