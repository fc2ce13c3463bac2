"""The domain's values as a reader sees them: lists, levels, categories, provinces, in
Chinese and English. Shared by every page, so one term reads the same everywhere."""

from __future__ import annotations

from dashboards.i18n import Labels, Lang

TERMS: Labels = {
    "zh": {
        "black": "黑名单",
        "red": "红名单",
        "focus": "重点关注",
        "general": "一般",
        "serious": "较重",
        "severe": "严重",
        "food_drug": "食品药品",
        "product_quality": "产品质量",
        "intellectual_property": "知识产权",
        "environment": "生态环境",
        "tax": "税务",
        "contract": "合同履约",
        "judgment_debtor": "失信被执行人",
        "labour": "劳动保障",
        "safety": "安全生产",
        "finance": "金融",
        "honour": "表彰荣誉",
        "other": "其他",
        "31": "上海",
        "32": "江苏",
        "33": "浙江",
        "34": "安徽",
        "none": "未注明",
    },
    "en": {
        "black": "black list",
        "red": "red list",
        "focus": "focus list",
        "general": "general",
        "serious": "serious",
        "severe": "severe",
        "food_drug": "food and drugs",
        "product_quality": "product quality",
        "intellectual_property": "intellectual property",
        "environment": "environment",
        "tax": "tax",
        "contract": "contracts",
        "judgment_debtor": "judgment debtors",
        "labour": "labour",
        "safety": "work safety",
        "finance": "finance",
        "honour": "honours",
        "other": "other",
        "31": "Shanghai",
        "32": "Jiangsu",
        "33": "Zhejiang",
        "34": "Anhui",
        "none": "not stated",
    },
}


def term(value: str | None, lang: Lang) -> str:
    """A domain value as a reader sees it; an unknown one as it is."""
    key = "none" if value is None else value
    return TERMS[lang].get(key) or TERMS["zh"].get(key) or key
