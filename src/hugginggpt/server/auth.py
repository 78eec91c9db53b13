"""Optional API keys: with `api_keys` set, every API call needs `Authorization: Bearer <key>`.

A caller is known by a digest of its key (never the key itself): runs belong to the key that
started them, and other keys cannot see them."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="One of the keys in HUGGINGGPT_API_KEYS, when it is set.")


async def caller(  # async: FastAPI would run a plain function in a worker thread
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str | None:
    """The caller's identity: None when the server needs no key, else a digest of the key given."""
    keys: tuple[str, ...] = request.app.state.settings.api_keys
    if not keys:
        return None
    given = credentials.credentials if credentials is not None else ""
    # compare_digest against every key: the time taken does not tell which key nearly matched
    if not any(secrets.compare_digest(given.encode(), key.encode()) for key in keys) or not given:
        raise HTTPException(
            401,
            "this server needs an API key: send `Authorization: Bearer <key>` with one of HUGGINGGPT_API_KEYS",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return hashlib.sha256(given.encode()).hexdigest()[:16]


Caller = Annotated[str | None, Depends(caller)]
