"""The app's own ASGI middleware: a body size limit, and no caching of API answers.

Both are pure ASGI rather than ``BaseHTTPMiddleware``: the limit must act before anything
reads the body, and neither should put a task and a stream between the server and the app.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, problem_response


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with 413 before the app reads any of it.

    A declared ``Content-Length`` is checked at once (the server holds the client to it).
    A chunked body declares nothing, so it is read here up to the limit and handed on
    whole; one byte more and it is refused. At most ``max_bytes`` are ever held.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: the app sees the disconnect
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = Problem(
            title="Content too large",
            status=413,
            detail=f"the request body exceeds the limit of {self.max_bytes} bytes",
        )
        # The unread body is not drained: the server closes the connection after answering.
        await problem_response(problem, {"Connection": "close"})(scope, receive, send)


class NoStore:
    """``Cache-Control: no-store`` on every answer under ``prefix``.

    Nearly every API answer names subjects (profiles, networks, reviews, the audit), and the
    rest (statistics, errors that quote a key) are still for one key holder only: no browser,
    proxy or gateway cache may keep any of them. One rule for the whole prefix cannot miss a
    route added later, and costs the aggregate routes nothing they need.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_no_store)
