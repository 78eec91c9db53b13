"""Where Hub models live on this machine: the Hugging Face cache. A model is available locally when its
files are cached, or when downloads are allowed (and the Hub is not switched off with HF_HUB_OFFLINE)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hugginggpt.errors import ExpertError

# Weights in formats the PyTorch loaders never read: skipped so a pull fetches one copy of the model.
SKIPPED_FILES = ("*.h5", "*.msgpack", "*.ot", "*.onnx", "onnx/*", "*.tflite", "*.gguf", "coreml/*", "openvino/*",
                 "flax_model*", "tf_model*", "rust_model*")  # fmt: skip
_WEIGHTS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.ckpt")


@dataclass(frozen=True)
class HubCache:
    cache_dir: Path | None = None  # None: huggingface_hub's own (HF_HUB_CACHE / HF_HOME)
    allow_downloads: bool = True
    token: str | None = None

    def downloads_on(self) -> bool:
        from huggingface_hub import constants

        return self.allow_downloads and not constants.HF_HUB_OFFLINE

    def folder(self, model_id: str) -> Path:
        from huggingface_hub import constants
        from huggingface_hub.file_download import repo_folder_name

        root = self.cache_dir or Path(constants.HF_HUB_CACHE)
        return root / repo_folder_name(repo_id=model_id, repo_type="model")

    def is_cached(self, model_id: str) -> bool:
        """Whether a snapshot of the model is in the cache (a cheap check of the cache's folders)."""
        local = Path(model_id)
        if local.is_absolute() and local.is_dir():  # a model saved on disk, named by its folder
            return True
        snapshots = self.folder(model_id) / "snapshots"
        return snapshots.is_dir() and any(snapshots.iterdir())

    def available(self, model_id: str) -> bool:
        return self.downloads_on() or self.is_cached(model_id)

    def resolve(self, model_id: str) -> Path:
        """The model's local folder: from the cache, or downloaded into it when downloads are allowed."""
        local = Path(model_id)
        if local.is_absolute() and local.is_dir():
            return local
        return self._snapshot(model_id, local_only=not self.downloads_on())

    def pull(self, model_id: str) -> Path:
        """Download (or update) the model into the cache, with progress bars."""
        if not self.downloads_on():
            raise ExpertError(
                "downloads are switched off (HUGGINGGPT_ALLOW_DOWNLOADS=false or HF_HUB_OFFLINE=1); allow them to pull"
            )
        return self._snapshot(model_id, local_only=False)

    def _snapshot(self, model_id: str, local_only: bool) -> Path:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import (
            GatedRepoError,
            LocalEntryNotFoundError,
            RepositoryNotFoundError,
        )

        try:
            folder = snapshot_download(
                model_id,
                cache_dir=self.cache_dir,
                local_files_only=local_only,
                token=self.token,
                ignore_patterns=list(SKIPPED_FILES),
            )
        except GatedRepoError as exc:
            raise ExpertError(
                f"{model_id} is gated: accept its terms on https://huggingface.co/{model_id} and set HF_TOKEN"
            ) from exc
        except RepositoryNotFoundError as exc:
            raise ExpertError(
                f"{model_id} is not on the Hub (or is private: set HF_TOKEN to a token that can read it)"
            ) from exc
        except LocalEntryNotFoundError as exc:
            raise ExpertError(
                f"{model_id} is not in the Hugging Face cache and cannot be downloaded now (downloads are off or "
                f"the Hub is unreachable); run `hugginggpt models pull {model_id}` where the Hub can be reached"
            ) from exc
        except Exception as exc:  # the HTTP stack's own errors (connection, TLS, HTTP status) name no model
            raise ExpertError(f"cannot download {model_id}: {type(exc).__name__}: {exc}") from exc
        return Path(folder)


def weights_mb(folder: Path) -> int:
    """The size of a model's weight files: what it takes in memory once loaded at its stored precision."""
    total = sum(f.stat().st_size for pattern in _WEIGHTS for f in folder.rglob(pattern) if f.is_file())
    return max(1, round(total / 2**20))
