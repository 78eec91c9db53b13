"""Which device local models run on: CUDA, then Apple's MPS, then the CPU, unless the settings say."""

from __future__ import annotations

from hugginggpt.errors import ConfigError


def choose_device(wanted: str = "auto") -> str:
    import torch

    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if wanted == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if (wanted == "cuda" and not cuda) or (wanted == "mps" and not mps):
        raise ConfigError(f"device {wanted} is not available on this machine; set HUGGINGGPT_DEVICE=auto or cpu")
    return wanted


def accelerator_budget_mb(device: str, share: float = 0.9) -> int:
    """How much of the accelerator's memory local models may hold (a share of it: the rest is for
    activations while they run)."""
    import torch

    if device == "cuda":
        _, total = torch.cuda.mem_get_info()
        return int(total * share / 2**20)
    if device == "mps":
        return int(torch.mps.recommended_max_memory() * share / 2**20)
    raise ValueError(f"{device} is not an accelerator")
