"""Expert models that run with no network: weights from installed packages (see OFFLINE_MODELS)."""

from hugginggpt.experts.offline.backend import OfflineExperts

__all__ = ["OfflineExperts"]
