"""Hub models for real: `local` runs them with transformers (or diffusers) on this machine, `remote` on
the Hugging Face inference service, `hybrid` picks per task (what is already cached runs locally).

The adapters are shared: `inputs.py` turns a task's text into the parts a model takes, `outputs.py`
turns any backend's raw result into the project's typed output. Heavy libraries (torch, transformers,
huggingface_hub, diffusers) are imported only inside the functions that use them.
"""

from hugginggpt.experts.hub.hybrid import HybridExperts
from hugginggpt.experts.hub.local import LocalExperts
from hugginggpt.experts.hub.remote import RemoteExperts

__all__ = ["HybridExperts", "LocalExperts", "RemoteExperts"]
