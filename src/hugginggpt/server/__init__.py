"""The HTTP API and the web page (FastAPI). Import `create_app` from here; nothing runs at import."""

from hugginggpt.server.app import create_app

__all__ = ["create_app"]
