"""The API's own access log, in place of uvicorn's: one JSON line per request.

uvicorn's access log prints the raw path and query string, where a caller may have put a
resident ID number (``/subjects/11010519491231002X``, ``?q=…``); `serve` turns it off. This
log scrubs both (:func:`graph.identifiers.scrub`) and names the caller by key id, never by
the key.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import Scope

from graph.access import Principal
from graph.identifiers import scrub

LOGGER = "credit_graph.access"
log = logging.getLogger(LOGGER)


def log_request(scope: Scope, status: int, seconds: float) -> None:
    """One JSON line for an answered request: method, scrubbed path and query, status,
    duration, key id. Called by the one middleware that observes requests
    (:mod:`api.metrics`)."""
    principal = scope.get("state", {}).get("principal")
    entry = {
        "method": scope["method"],
        "path": scrub(scope["path"]),
        "query": scrub(unquote_plus(scope.get("query_string", b"").decode("latin-1"))),
        "status": status,
        "ms": round(seconds * 1000, 1),
        "key_id": principal.key_id if isinstance(principal, Principal) else None,
    }
    log.info(json.dumps(entry, ensure_ascii=False), extra={"access": entry})


def uvicorn_options(base: dict[str, Any]) -> dict[str, Any]:
    """What `serve` hands uvicorn besides the app: its own access log off, and ``base`` (its
    logging config, ``uvicorn.config.LOGGING_CONFIG``) with this log printed to stdout."""
    config = copy.deepcopy(base)
    config["formatters"]["credit_graph_access"] = {"format": "%(message)s"}
    config["handlers"]["credit_graph_access"] = {
        "class": "logging.StreamHandler",
        "formatter": "credit_graph_access",
        "stream": "ext://sys.stdout",
    }
    config["loggers"][LOGGER] = {
        "handlers": ["credit_graph_access"],
        "level": "INFO",
        "propagate": False,
    }
    return {"access_log": False, "log_config": config}
