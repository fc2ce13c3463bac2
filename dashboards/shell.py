"""The frame around every page: the navigation, who is signed in and why, the language
toggle and sign-out."""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import ClientsideFunction, Input, Output, dcc, html

from dashboards import context
from dashboards.i18n import Labels, other, translator
from graph import access

LABELS: Labels = {
    "zh": {
        "brand": "江苏公共信用图谱",
        "sign_out": "退出",
        "lang": "English",
        "purpose": "目的",
        "regulator": "监管人员",
        "analyst": "分析人员",
        "admin": "管理员",
    },
    "en": {
        "brand": "Jiangsu public credit graph",
        "sign_out": "Sign out",
        "lang": "中文",
        "purpose": "Purpose",
        "regulator": "regulator",
        "analyst": "analyst",
        "admin": "admin",
    },
}


def nav_label(page: dict[str, Any], lang: str) -> str:
    """A page's name in the navigation: its ``nav`` labels (given to ``register_page``)."""
    labels: dict[str, str] = page.get("nav") or {}
    return labels.get(lang) or labels.get("zh") or str(page["name"])


def layout() -> html.Div:
    lang = context.lang()
    t = translator(LABELS, lang)
    home = flask.request.script_root + "/"
    who = context.viewer() if "viewer" in flask.g else None
    links = [
        dcc.Link(nav_label(page, lang), href=page["relative_path"], id=f"nav-{page['path'][1:]}")
        for page in dash.page_registry.values()
        # A page registered with a capability (graph.access) is listed to the roles with it.
        if who is not None and access.may(who.principal.role, page.get("capability", "aggregates"))
    ]
    account = (
        []
        if who is None
        else [
            html.Span(f"{who.principal.name} · {t(who.principal.role)}", id="shell-who"),
            html.Span(f"{t('purpose')}: {who.purpose}", id="shell-purpose"),
        ]
    )
    return html.Div(
        [
            html.Header(
                [
                    html.Span(t("brand"), className="brand"),
                    html.Nav(links, className="pages"),
                    html.Div(
                        [
                            *account,
                            html.A(
                                t("lang"),
                                id="shell-lang",
                                href=f"{home}session/lang",
                                lang="en" if other(lang) == "en" else "zh-CN",
                            ),
                            html.Form(
                                html.Button(t("sign_out"), id="shell-sign-out", type="submit"),
                                action=f"{home}session/sign-out",
                                method="POST",
                            ),
                        ],
                        className="account",
                    ),
                ],
                className="shell",
            ),
            html.Main(dash.page_container, className="page"),
        ],
        lang="zh-CN" if lang == "zh" else "en",
    )


def register_callbacks(app: dash.Dash) -> None:
    # The toggle returns to the page it was clicked on; done in the browser, as it needs
    # nothing from the server.
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="langHref"),
        Output("shell-lang", "href"),
        Input("_pages_location", "pathname"),
        Input("_pages_location", "search"),
    )
