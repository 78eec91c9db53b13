"""HuggingGPT: a language model plans a request, picks expert models, runs them and answers."""

from hugginggpt.errors import HuggingGPTError

__all__ = ["HuggingGPTError"]
__version__ = "0.1.0"
