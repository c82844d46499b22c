"""The HTTP adapter: a Starlette app over the pure core."""

from placepix.web.app import create_app

__all__ = ["create_app"]
