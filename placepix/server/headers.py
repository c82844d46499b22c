"""Safety headers on every answer: `X-Content-Type-Options: nosniff` and a
`Content-Security-Policy`, whatever route or error made it (a pure ASGI middleware).

Images and errors carry them from `placepix.server.responses` already (SVG with a policy of its
own); this covers the rest, the playground, /static, the JSON and operations routes, and any
route added later, without a change to each. The playground's policy allows what its page
loads, its own script, style sheet and images (and the `data:` icon), and nothing inline or
from elsewhere; everything else gets `default-src 'none'`: nothing in it may run or load.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from placepix.server import responses

NO_SNIFF = (b"x-content-type-options", b"nosniff")
NOTHING_POLICY = responses.NOTHING_POLICY.encode()
PAGE_POLICY = (
    b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)


class SafetyHeaders:
    """Adds nosniff and a Content-Security-Policy to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_safety_headers(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_safety_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` plus nosniff and a policy (the page's for HTML), where they are missing."""
    names = {name.lower(): value for name, value in headers}
    added = list(headers)
    if b"x-content-type-options" not in names:
        added.append(NO_SNIFF)
    if b"content-security-policy" not in names:
        html = names.get(b"content-type", b"").startswith(b"text/html")
        added.append((b"content-security-policy", PAGE_POLICY if html else NOTHING_POLICY))
    return added
