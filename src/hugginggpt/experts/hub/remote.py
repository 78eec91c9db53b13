"""The remote backend: Hub models run by the Hugging Face inference service through `InferenceClient`
(token from HF_TOKEN or `hf auth login` unless set; provider selectable), with retries while a model
loads or the service is busy, and errors that name the model and say what to do."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hugginggpt.catalog import ModelCard
from hugginggpt.config import Settings
from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.hub.outputs import convert
from hugginggpt.experts.hub.remote_tasks import NOT_REMOTE, REMOTE_TASKS
from hugginggpt.experts.hub.routing import routed_away

RETRIED = (429, 503)  # busy, or the model is being loaded onto the service
MAX_WAIT = 60.0  # seconds of one wait, whatever the service estimates

_WHAT_TO_DO = {
    401: "the service refused the token: set HF_TOKEN (or HUGGINGGPT_HF_TOKEN) to a valid token, or run `hf auth login`",
    402: "the account's inference credits are used up: add credits or a PRO subscription, or run the task locally",
    403: "the token may not use this model (a gated model, or a token without inference permission)",
    404: "the service does not serve this model (not deployed by the provider): choose another model or run it locally",
    410: "the service no longer serves this model: choose another model or run it locally",
}


@dataclass
class RemoteExperts:
    token: str | None = None  # None: HF_TOKEN or the login's token, as huggingface_hub finds it
    provider: str = "auto"
    base_url: str | None = None  # a self-hosted service: models are called at <base_url>/models/<id>
    timeout: float = 120.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry of a 429; doubled each time
    task_backends: Mapping[str, str] = field(default_factory=dict)
    name: str = "remote"

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteExperts:
        return cls(
            settings.hf_token,
            settings.hf_provider,
            settings.hf_inference_url,
            settings.remote_timeout,
            settings.remote_retries,
            task_backends=settings.task_backends,
        )

    def supports(self, task: str) -> bool:
        return task in REMOTE_TASKS and not routed_away(self.task_backends, task, "remote")

    def can_run(self, card: ModelCard) -> bool:
        return not card.offline and self.supports(card.task)

    def cards(self) -> list[ModelCard]:
        return []

    def unavailable(self, task: str) -> str | None:
        if task in NOT_REMOTE:
            return NOT_REMOTE[task]
        if routed_away(self.task_backends, task, "remote"):
            return f"{task} is set to run locally (task_backends)"
        return None

    def client(self) -> Any:
        from huggingface_hub import InferenceClient

        # With a URL for the model, the client ignores the provider and posts to that URL.
        provider = None if self.base_url else self.provider
        return InferenceClient(provider=provider, token=self.token, timeout=self.timeout)  # type: ignore[arg-type]

    def target(self, model_id: str) -> str:
        return f"{self.base_url.rstrip('/')}/models/{model_id}" if self.base_url else model_id

    async def run(self, call: ExpertCall) -> ExpertOutput:
        ask = REMOTE_TASKS.get(call.task)
        if ask is None:
            raise ExpertError(NOT_REMOTE.get(call.task, f"{call.task} cannot run on the inference service"))
        from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError

        client, target = self.client(), self.target(call.model)
        for attempt in range(self.retries + 1):
            try:
                raw = await asyncio.to_thread(ask, client, target, call)
                return await asyncio.to_thread(convert, raw, call)
            except InferenceTimeoutError as exc:
                raise ExpertError(
                    f"{call.model} did not answer within {self.timeout:g} s on the inference service; "
                    "try again, raise HUGGINGGPT_REMOTE_TIMEOUT, or run it locally"
                ) from exc
            except HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in RETRIED and attempt < self.retries:
                    await asyncio.sleep(self.wait(exc.response, attempt))
                    continue
                raise ExpertError(self.explain(call, status, exc)) from exc
            except ExpertError:
                raise
            except ValueError as exc:  # the client refuses a task or model before any request
                raise ExpertError(f"{call.model} cannot run {call.task} on the inference service: {exc}") from exc
            except Exception as exc:  # the HTTP stack's own errors (connection refused, TLS) name no model
                raise ExpertError(f"{call.model} failed on the inference service: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    def wait(self, response: Any, attempt: int) -> float:
        """Seconds before the next attempt: the service's own estimate when it gives one, else backoff."""
        estimate: float | None = None
        retry_after = response.headers.get("retry-after")
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            estimate = float(retry_after)
        else:
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                body = {}
            if isinstance(body, dict) and isinstance(body.get("estimated_time"), int | float):
                estimate = float(body["estimated_time"])
        return min(MAX_WAIT, estimate if estimate is not None else self.backoff * 2**attempt)

    def explain(self, call: ExpertCall, status: int | None, exc: Exception) -> str:
        if status in RETRIED:
            return (
                f"{call.model} is still busy or loading on the inference service after {self.retries + 1} tries "
                f"(HTTP {status}); try again later or run it locally"
            )
        advice = _WHAT_TO_DO.get(status or 0, "see the service's message above")
        return f"{call.model} failed on the inference service (HTTP {status}: {_first_line(exc)}); {advice}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
