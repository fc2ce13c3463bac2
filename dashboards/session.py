"""Signing in to the dashboards: an API key once, then a signed, expiring session cookie.

A person signs in with the API key they use for the API and says, once, why they look
(the purpose every subject-level view is audited with). The cookie holds the key's id and
that purpose, signed and dated; never the key's secret. It is HttpOnly (no script reads
it), SameSite=Strict (no other site's page sends it, which is the dashboards' defence
against cross-site requests) and expires with the session. Each request re-checks the key
as the API does (:func:`graph.access.principal_of_key_id`, remembered for
``api_key_cache_s``), so a revoked key stops its sessions within that time.

Partners have no dashboard: their keys are refused at sign-in. Failed sign-ins are limited
per client address (:class:`graph.ratelimit.RateLimiter`, as the API limits failed
authentication): an address out of tokens is refused before its key is looked up.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import flask
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from dashboards.i18n import DEFAULT_LANG, Labels, Lang, is_lang, other, translator
from graph import audit
from graph.access import Principal, authenticate, principal_of_key_id
from graph.disclosure import Audience
from graph.identifiers import scrub
from graph.ratelimit import RateLimiter, retry_after_header
from graph.services import Services

SESSION_COOKIE = "cg_session"
LANG_COOKIE = "cg_lang"
DASHBOARD_ROLES = ("regulator", "analyst", "admin")
PURPOSE_MIN, PURPOSE_MAX = 3, 200

# Paths a browser may fetch before signing in: the sign-in page itself and static files
# that hold no data.
OPEN_PREFIXES = ("/session/", "/_dash-component-suites/", "/assets/", "/_favicon.ico")

MESSAGES = ("bad_key", "too_many", "partner", "bad_purpose", "signed_out", "expired")

LABELS: Labels = {
    "zh": {
        "title": "信用图谱 · 登录",
        "heading": "江苏公共信用图谱 · 分析看板",
        "key": "API 密钥",
        "purpose": "查询目的（将记入审计）",
        "purpose_hint": "如：案件编号、审查事由",
        "sign_in": "登录",
        "language": "English",
        "bad_key": "密钥无效、已吊销或格式不正确。",
        "too_many": "登录失败次数过多，请稍后再试。",
        "partner": "合作省份的密钥没有看板权限。",
        "bad_purpose": "请填写 3 至 200 个字符的查询目的。",
        "signed_out": "已退出登录。",
        "expired": "会话已过期，请重新登录。",
    },
    "en": {
        "title": "credit-graph · sign in",
        "heading": "Jiangsu public credit graph · dashboards",
        "key": "API key",
        "purpose": "Purpose (audited)",
        "purpose_hint": "e.g. a case number, the reason for a review",
        "sign_in": "Sign in",
        "language": "中文",
        "bad_key": "The key is unknown, malformed or revoked.",
        "too_many": "Too many failed sign-ins from this address; try again later.",
        "partner": "Partner keys have no dashboard.",
        "bad_purpose": "Give a purpose of 3 to 200 characters.",
        "signed_out": "Signed out.",
        "expired": "The session has expired; sign in again.",
    },
}


@dataclass(frozen=True)
class Viewer:
    """The person behind a request: who, as which audience, why, in which language."""

    principal: Principal
    audience: Audience
    purpose: str
    lang: Lang


class SessionStore:
    """Issues and reads session cookies; re-checks their key as the API does."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        secret = settings.dashboard_session_secret
        self._serializer = URLSafeSerializer(
            secret.get_secret_value() if secret else secrets.token_urlsafe(32),
            salt="credit-graph dashboards session",
        )
        self.max_age_s = int(settings.dashboard_session_hours * 3600)
        self._services = services
        self._ttl = settings.api_key_cache_s
        self._principals: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()
        self.failed_sign_ins = RateLimiter(
            settings.sign_in_failures_per_s,
            settings.sign_in_failures_burst,
            services.clock.monotonic,
        )

    def issue(self, principal: Principal, purpose: str) -> str:
        # The expiry is signed with the rest and read from the app's clock, like every
        # other time the app keeps.
        expires = self._services.clock.now().timestamp() + self.max_age_s
        return self._serializer.dumps(
            {"key_id": principal.key_id, "purpose": purpose, "expires": expires}
        )

    def viewer(self, cookies: Mapping[str, str]) -> Viewer | None:
        """The signed-in viewer of a request's cookies, or None: no cookie, a forged or
        expired one, or one whose key is revoked or no longer a dashboard role."""
        token = cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            payload: dict[str, Any] = self._serializer.loads(token)
        except BadSignature:
            return None
        if self._services.clock.now().timestamp() >= float(payload["expires"]):
            return None
        principal = self._principal(str(payload["key_id"]))
        if principal is None or principal.role not in DASHBOARD_ROLES:
            return None
        return Viewer(principal, Audience.of(principal), str(payload["purpose"]), lang_of(cookies))

    def _principal(self, key_id: str) -> Principal | None:
        now = time.monotonic()
        hit = self._principals.get(key_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        principal = principal_of_key_id(self._services.repository, key_id)
        with self._lock:
            self._principals[key_id] = (now, principal)
        return principal


def lang_of(cookies: Mapping[str, str]) -> Lang:
    chosen = cookies.get(LANG_COOKIE)
    return chosen if is_lang(chosen) else DEFAULT_LANG


def install(server: flask.Flask, store: SessionStore, services: Services) -> None:
    """Add the session routes and the gate that keeps every other path behind a sign-in."""

    @server.before_request
    def gate() -> Response | None:
        path = flask.request.path
        if path.startswith(OPEN_PREFIXES):
            return None
        viewer = store.viewer(flask.request.cookies)
        if viewer is not None:
            flask.g.viewer = viewer
            return None
        if flask.request.method == "GET" and not path.startswith("/_dash"):
            params = {"next": flask.request.full_path}
            if SESSION_COOKIE in flask.request.cookies:
                params["message"] = "expired"
            return flask.redirect(_url("/session/sign-in", **params))
        # A callback of a page whose session ended: the page shows the error, and the next
        # navigation lands on the sign-in page.
        return Response("sign in again", status=401, mimetype="text/plain")

    @server.get("/session/sign-in")
    def sign_in_page() -> Response:
        lang = lang_of(flask.request.cookies)
        message = flask.request.args.get("message", "")
        return _sign_in_html(lang, message, flask.request.args.get("next", ""))

    @server.post("/session/sign-in")
    def sign_in() -> Response:
        next_path = flask.request.form.get("next", "")
        if not _same_origin():
            return Response("cross-site sign-in refused", status=403, mimetype="text/plain")
        address = flask.request.remote_addr or "unknown"
        if (wait := store.failed_sign_ins.wait(address)) > 0:
            return _refused("too_many", next_path, retry_after_header(wait))
        principal = authenticate(services.repository, flask.request.form.get("key", ""))
        purpose = scrub(flask.request.form.get("purpose", "").strip())
        if principal is None:
            store.failed_sign_ins.acquire(address)
            return _refused("bad_key", next_path)
        if principal.role not in DASHBOARD_ROLES:
            return _refused("partner", next_path)
        if not PURPOSE_MIN <= len(purpose) <= PURPOSE_MAX:
            return _refused("bad_purpose", next_path)
        services.audit_writer.record(
            audit.AuditEvent(
                key_id=principal.key_id,
                role=principal.role,
                action="POST /dashboards/session/sign-in",
                purpose=purpose,
            )
        )
        response = flask.redirect(_home() + _local(next_path).removeprefix("/"))
        response.set_cookie(
            SESSION_COOKIE,
            store.issue(principal, purpose),
            max_age=store.max_age_s,
            path=_home(),
            secure=_secure(services),
            httponly=True,
            samesite="Strict",
        )
        return response

    @server.post("/session/sign-out")
    def sign_out() -> Response:
        response = flask.redirect(_url("/session/sign-in", message="signed_out"))
        response.delete_cookie(
            SESSION_COOKIE, path=_home(), secure=_secure(services), httponly=True, samesite="Strict"
        )
        return response

    @server.get("/session/lang")
    def switch_language() -> Response:
        lang = lang_of(flask.request.cookies)
        response = flask.redirect(_home() + _local(flask.request.args.get("next", "")))
        response.set_cookie(
            LANG_COOKIE,
            other(lang),
            max_age=365 * 24 * 3600,
            path=_home(),
            secure=_secure(services),
            httponly=True,
            samesite="Strict",
        )
        return response


def _home() -> str:
    """Where the dashboards are mounted, with a trailing slash (``/dashboards/``)."""
    return flask.request.script_root + "/"


def _url(path: str, **params: str) -> str:
    query = urlencode(params)
    return flask.request.script_root + path + (f"?{query}" if query else "")


def _local(path: str) -> str:
    """``path`` as a path inside the dashboards (relative to the mount, no leading slash), or
    nothing: a sign-in never redirects off the site."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return ""
    local = parts.path.removeprefix(flask.request.script_root)
    return local.lstrip("/") + (f"?{parts.query}" if parts.query else "")


def _same_origin() -> bool:
    # A browser names the page a form was posted from; another site's page may not sign in.
    origin = flask.request.headers.get("Origin") or flask.request.headers.get("Referer", "")
    if not origin:
        return True  # not a browser (a script posting a key): nothing to forge
    parts = urlsplit(origin)
    return parts.netloc == flask.request.host


def _secure(services: Services) -> bool:
    return flask.request.is_secure or services.settings.environment == "production"


def _refused(message: str, next_path: str, headers: Mapping[str, str] | None = None) -> Response:
    # Back to the form with the reason (post/redirect/get: a reload does not post the key
    # again, and the browser does not log the refusal as a failed load).
    response = flask.redirect(_url("/session/sign-in", message=message, next=next_path), code=303)
    response.headers.update(headers or {})
    return response


def _sign_in_html(lang: Lang, message: str, next_path: str) -> Response:
    t = translator(LABELS, lang)
    known = message in MESSAGES
    notice = f'<p class="notice" role="alert">{html.escape(t(message))}</p>' if known else ""
    page = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head><meta charset="utf-8"><title>{html.escape(t("title"))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{_home()}_favicon.ico">
<link rel="stylesheet" href="{_home()}assets/style.css"></head>
<body class="sign-in">
<main>
<h1>{html.escape(t("heading"))}</h1>
{notice}
<form method="post" action="{_home()}session/sign-in">
<label>{html.escape(t("key"))}
<input id="sign-in-key" name="key" type="password" autocomplete="off" required></label>
<label>{html.escape(t("purpose"))}
<input id="sign-in-purpose" name="purpose" minlength="{PURPOSE_MIN}" maxlength="{PURPOSE_MAX}"
 placeholder="{html.escape(t("purpose_hint"))}" required></label>
<input type="hidden" name="next" value="{html.escape(next_path)}">
<button id="sign-in-submit" type="submit">{html.escape(t("sign_in"))}</button>
</form>
<p><a id="sign-in-lang" href="{_home()}session/lang?next={quote(flask.request.full_path, safe="")}">
{html.escape(t("language"))}</a></p>
</main>
</body></html>"""
    return Response(page, mimetype="text/html")
