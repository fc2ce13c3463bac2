"""What a page's code may ask of the app it runs in: who is looking, the shared services,
and the audit of what they looked at.

The dashboards run in the API's process on the API's :class:`~graph.services.Services`
(:func:`bind`). A background callback runs in a process of its own, forked by Dash: the
driver's connections and the audit writer's thread do not survive a fork, so such a process
opens services of its own, from the same settings and clock, the first time it asks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

import dash
import flask

from dashboards.i18n import Lang
from dashboards.session import SessionStore, Viewer, lang_of
from graph import access, audit
from graph.access import Capability
from graph.errors import NotPermitted
from graph.identifiers import scrub
from graph.services import Services, open_services

__all__ = ["Viewer", "audit_view", "bind", "lang", "services", "viewer"]

_EXTENSION = "credit_graph"


@dataclass
class _Bound:
    services: Services
    sessions: SessionStore
    pid: int = field(default_factory=os.getpid)
    # The services of a forked background-callback process, opened on first use.
    forked: Services | None = None


def bind(server: flask.Flask, services: Services, sessions: SessionStore) -> None:
    server.extensions[_EXTENSION] = _Bound(services, sessions)


def _bound() -> _Bound:
    # A background callback has no request, but the Dash app that forked it.
    app = flask.current_app if flask.has_app_context() else dash.get_app().server
    bound: _Bound = app.extensions[_EXTENSION]
    return bound


def services() -> Services:
    """The process's services (see the module's note on background callbacks)."""
    bound = _bound()
    if bound.pid == os.getpid():
        return bound.services
    if bound.forked is None:
        shared = bound.services
        bound.forked = open_services(shared.settings, clock=shared.clock)
    return bound.forked


def viewer() -> Viewer:
    """The signed-in viewer of the current request or callback.

    Raises :class:`~graph.errors.NotPermitted` outside a signed-in request (the gate of
    :mod:`dashboards.session` lets none reach a page or callback, so this means a bug)."""
    if flask.has_request_context() and "viewer" in flask.g:
        signed_in: Viewer = flask.g.viewer
        return signed_in
    # A background callback: Dash hands it the cookies of the request that started it.
    found = _bound().sessions.viewer(dash.callback_context.cookies)
    if found is None:
        raise NotPermitted("no signed-in viewer")
    return found


def may(capability: Capability) -> bool:
    """Whether the viewer's role has ``capability`` (:data:`graph.access.CAPABILITIES`, the
    table the API's routes read too)."""
    return access.may(viewer().principal.role, capability)


def require(capability: Capability) -> None:
    """Raise :class:`~graph.errors.NotPermitted` unless the viewer's role has ``capability``:
    a page hides what a role may not do, and its callbacks refuse it all the same."""
    role = viewer().principal.role
    if not access.may(role, capability):
        raise NotPermitted(f"the {role} role may not do this")


def lang() -> Lang:
    """The viewer's language, also before sign-in."""
    if flask.has_request_context():
        return lang_of(flask.request.cookies)
    return lang_of(dash.callback_context.cookies)


def audit_view(
    view: str, subjects: Iterable[str] = (), *, result_size: int = 0, query: str = ""
) -> None:
    """Audit what the viewer was shown, as an API call is audited: ``view`` names the page
    and what of it (``"explorer/network"``), ``subjects`` the uscc / pid keys shown.
    Returns once the event is durable; raises what the write raised, so nothing is shown
    that was not audited."""
    seen = viewer()
    services().audit_writer.record(
        audit.AuditEvent(
            key_id=seen.principal.key_id,
            role=seen.principal.role,
            action=f"VIEW /dashboards/{view}",
            purpose=seen.purpose,
            subjects=sorted({scrub(s) for s in subjects}),
            query=scrub(query),
            result_size=result_size,
        )
    )
