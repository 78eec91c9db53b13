"""Settings: one object, read from defaults < config file (TOML) < environment < explicit overrides.

Every field `x` can be set by the environment variable `HUGGINGGPT_X` or by `x = ...` in the config
file (`HUGGINGGPT_CONFIG` or `--config`). Nothing reads the environment at import time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hugginggpt.errors import ConfigError
from hugginggpt.tasks import TASK_TYPES

ENV_PREFIX = "HUGGINGGPT_"


@dataclass(frozen=True)
class Settings:
    # controller
    llm_backend: str = "auto"  # auto | openai | scripted | llamacpp | embedded
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 120.0
    llm_max_retries: int = 3
    llm_structured: str = "auto"  # auto | on | off: JSON-schema structured output
    llm_temperature: float = 0.0
    llm_script: Path | None = None  # replies of the scripted controller (JSON list)
    # the embedded controller (no LLM service): whether the local LLM phrases its answers
    answer_style: str = "template"  # template | llm (checked: falls back to the template if it invents)
    # stages
    plan_retries: int = 2
    max_tasks: int = 50
    top_k: int = 5
    selection: str = "llm"  # llm: the controller chooses; top: the top-ranked candidate
    experts: tuple[str, ...] = ("offline",)
    concurrency: int = 8
    task_timeout: float = 600.0
    history_tokens: int = 2000
    result_tokens: int = 3000
    # offline experts
    models_dir: Path | None = None  # joined weights; default: <python environment>/share/hugginggpt/models
    memory_budget_mb: int = 6000  # loaded models kept warm within this, least recently used unloaded first
    expert_workers: int = 2  # models running at once (they are CPU-bound)
    max_input_mb: float = 100.0  # larger input files are refused
    max_request_chars: int = 100_000  # a longer request text is refused (long texts go in a .txt file)
    url_allow_hosts: tuple[str, ...] = ()  # hosts an http(s) input may fetch from although they are internal
    url_timeout: float = 30.0  # seconds for one http(s) input's whole download
    # Hub models: local (transformers on this machine), remote (the inference service), hybrid (either)
    device: str = "auto"  # auto | cpu | cuda | mps: where local Hub models run
    accelerator_budget_mb: int = 0  # GPU (or MPS) memory local models may hold; 0: 90% of the device's
    allow_downloads: bool = True  # local models not in the Hugging Face cache may be downloaded into it
    hf_cache_dir: Path | None = None  # None: huggingface_hub's own (HF_HUB_CACHE, HF_HOME)
    hf_token: str | None = None  # None: HF_TOKEN or the token of `hf auth login`
    hf_provider: str = "auto"  # inference provider: auto (your order on hf.co), hf-inference, together, ...
    hf_inference_url: str | None = None  # a self-hosted inference service; models at <url>/models/<id>
    remote_timeout: float = 120.0  # seconds per inference-service call
    remote_retries: int = 4  # more tries on 429 or 503 (model loading), waiting as long as the service says
    task_backends: dict[str, str] = field(default_factory=dict)  # task type -> local | remote (hub backends)
    # files
    executor: str = "local"  # local: experts run in this process | ray: on the Ray cluster at ray_address
    ray_address: str | None = None  # "auto", "ray://host:10001" or a head's address; None: start or join a local one
    ray_namespace: str = "hugginggpt"  # warm model actors are named in it: controllers sharing it share them
    # per model id ("*": every model): num_cpus, num_gpus, memory_mb, or a custom resource's amount
    ray_resources: dict[str, dict[str, float]] = field(default_factory=dict)
    ray_task_retries: int = 1  # runs of a task again after its node or actor died
    ray_placement_timeout: float = 120.0  # seconds for a model's actor to be placed on a node and start
    echo_delay: float = 0.0  # seconds each echo expert task takes (tests, benchmarks)
    runs_dir: Path = Path("runs")
    catalog_path: Path | None = None  # a JSONL catalog replacing the bundled snapshot
    # HTTP API
    api_keys: tuple[str, ...] = ()  # bearer tokens the server accepts; empty: no key needed
    max_active_runs: int = 64  # runs a server admits at once; past it a new one gets 429 with Retry-After
    drain_timeout: float = 30.0  # seconds a stopping server (SIGTERM) gives its runs to finish before cancelling

    @classmethod
    def load(
        cls,
        env: Mapping[str, str] | None = None,
        config_file: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None)
        if path is not None:
            values.update(_read_config_file(path))
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))}; see `hugginggpt config` for the list")
        settings = cls(**{name: _coerce(name, value) for name, value in values.items()})
        if settings.llm_api_key is None and env.get("OPENAI_API_KEY"):
            settings = dataclasses.replace(settings, llm_api_key=env["OPENAI_API_KEY"])
        settings.check()
        return settings

    def check(self) -> None:
        choices = {
            "llm_backend": ("auto", "openai", "scripted", "llamacpp", "embedded"),
            "answer_style": ("template", "llm"),
            "llm_structured": ("auto", "on", "off"),
            "selection": ("llm", "top"),
            "executor": ("local", "ray"),
            "device": ("auto", "cpu", "cuda", "mps"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        for name in ("plan_retries", "top_k", "concurrency", "max_tasks", "ray_task_retries", "max_active_runs"):
            minimum = 0 if name in ("plan_retries", "ray_task_retries") else 1
            if getattr(self, name) < minimum:
                raise ConfigError(f"{name} must be at least {minimum}")
        for task, side in self.task_backends.items():
            if task not in TASK_TYPES or side not in ("local", "remote"):
                raise ConfigError(
                    f"task_backends maps task types to local or remote (e.g. text-to-image=remote), not {task}={side}"
                )

    def environment(self) -> dict[str, str]:
        """The settings that differ from the defaults as HUGGINGGPT_* variables, which `load` reads back
        (how `serve --workers N` hands its options to its worker processes)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == f.default or (f.default_factory is not dataclasses.MISSING and value == f.default_factory()):
                continue
            if value is None:
                continue
            if isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, dict):
                text = json.dumps(value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            out[ENV_PREFIX + f.name.upper()] = text
        return out

    def describe(self) -> dict[str, Any]:
        """The settings as plain values, with the API key hidden (for traces and `hugginggpt config`)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for secret in ("llm_api_key", "hf_token"):
            if out[secret]:
                out[secret] = "***"
        if out["api_keys"]:
            out["api_keys"] = ("***",) * len(out["api_keys"])
        return {k: str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from exc
    # Tables are a readable grouping: [llm] model = "x" is llm_model.
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and not str(_FIELD_TYPES.get(key, "")).startswith("dict"):
            flat.update({f"{key}_{sub}": v for sub, v in value.items()})
        else:
            flat[key] = value
    return flat


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = str(_FIELD_TYPES[name])
    try:
        if kind.startswith("dict"):
            # A TOML table, or JSON (or key=value pairs) in an environment variable.
            table = _table(value) if isinstance(value, str) else value
            if not isinstance(table, dict):
                raise TypeError("expected a table (TOML) or a JSON object")
            return table
        if "tuple" in kind:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        if value is None:
            return None
        if kind == "bool":
            return _truth(value)
        if "Path" in kind:
            return Path(value).expanduser()
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} has an unusable value {value!r}: {exc}") from exc


def _table(text: str) -> Any:
    """A mapping from an environment variable: a JSON object, or "key=value,key=value"."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError('expected a JSON object or "key=value,key=value"')
    return {key.strip(): value.strip() for key, value in pairs}


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")
