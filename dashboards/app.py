"""The Dash app: a multi-page app on its own Flask server, mounted by the API under
``/dashboards/`` in the same process, on the same services (:func:`create_dash`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import dash
import diskcache
import flask
from werkzeug.wrappers import Response

# exports: its callbacks answer every grid's export buttons, whichever pages import it.
from dashboards import context, exports, session, shell  # noqa: F401
from dashboards.kept import Warming
from graph.services import Services

MOUNT = "/dashboards"
HOME_PAGE = "/overview"
_HERE = Path(__file__).parent


def create_dash(services: Services) -> dash.Dash:
    """The dashboards over ``services``, which the caller opened and will close. Serve
    ``.server`` (a WSGI app) at :data:`MOUNT`: links and requests are built for that path."""
    server = flask.Flask(__name__)
    sessions = session.SessionStore(services)
    context.bind(server, services, sessions)
    session.install(server, sessions, services)
    cache_dir = services.settings.dashboard_cache_dir or Path(
        tempfile.mkdtemp(prefix="credit-graph-dash-")
    )
    app = dash.Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash's hint omits a Flask app
        use_pages=True,
        pages_folder=str(_HERE / "pages"),
        assets_folder=str(_HERE / "assets"),
        requests_pathname_prefix=MOUNT + "/",
        routes_pathname_prefix="/",
        # Pages render their layout when visited, never to validate callbacks at start-up:
        # a layout reads who is looking, and there is no one at start-up.
        suppress_callback_exceptions=True,
        background_callback_manager=dash.DiskcacheManager(diskcache.Cache(str(cache_dir))),
        title="信用图谱 credit-graph",
        update_title=None,  # type: ignore[arg-type]  # None is documented: no "Updating..."
    )
    app.layout = shell.layout

    @server.before_request
    def home() -> Response | None:
        if flask.request.path == "/":
            return flask.redirect(flask.request.script_root + HOME_PAGE)
        return None

    shell.register_callbacks(app)
    # Dash holds the pages' callbacks in a process-wide list until an app's first request
    # takes them all. Taken now, each app has its own, also when a process makes several
    # (the tests and the benches do), rather than the first one served taking every copy.
    with server.test_request_context():
        app._setup_server()
    return app


def start_warming(app: dash.Dash, services: Services) -> Warming:
    """Compute the pages' first answers after each propagation run, in a thread, until
    stopped (:mod:`dashboards.kept`): a server's start-up and shut-down."""
    return Warming(app.server, services.settings.dashboard_warm_every_s).start()
