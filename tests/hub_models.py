"""Tiny Hub-format models with random weights, built on this machine for the local backend's tests
and benchmark: saved with `save_pretrained` into a Hugging Face cache layout, so they load through the
same path as a downloaded model. Each takes well under a second to build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerFast,
    ViTConfig,
    ViTForImageClassification,
    ViTImageProcessor,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForSequenceClassification,
)

COMMIT = "0" * 40  # the revision refs/main points at in the fake cache

TEXT_MODEL = "tiny/bert-sentiment"
IMAGE_MODEL = "tiny/vit-classifier"
AUDIO_MODEL = "tiny/wav2vec2-sounds"
LABELS = {0: "negative", 1: "positive"}


def _tokenizer() -> PreTrainedTokenizerFast:
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "movie", "a", "the", "is"]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )


def save_text_model(target: Path) -> None:
    config = BertConfig(
        vocab_size=10, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37,
        max_position_embeddings=64, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(target)
    _tokenizer().save_pretrained(target)


def save_image_model(target: Path) -> None:
    config = ViTConfig(
        image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=37, id2label={0: "cat", 1: "dog"}, label2id={"cat": 0, "dog": 1},
    )  # fmt: skip
    ViTForImageClassification(config).save_pretrained(target)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(target)


def save_audio_model(target: Path) -> None:
    config = Wav2Vec2Config(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37,
        conv_dim=(16, 16), conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, classifier_proj_size=16,
        id2label={0: "speech", 1: "music"}, label2id={"speech": 0, "music": 1},
    )  # fmt: skip
    Wav2Vec2ForSequenceClassification(config).save_pretrained(target)
    Wav2Vec2FeatureExtractor(sampling_rate=16000).save_pretrained(target)


BUILDERS: dict[str, Callable[[Path], None]] = {
    TEXT_MODEL: save_text_model,
    IMAGE_MODEL: save_image_model,
    AUDIO_MODEL: save_audio_model,
}


def fill_cache(cache: Path, model_ids: list[str] | None = None) -> Path:
    """Write the models into `cache` as the Hub cache lays them out (refs/main -> snapshots/<commit>)."""
    torch.manual_seed(0)
    for model_id in model_ids or list(BUILDERS):
        repo = cache / ("models--" + model_id.replace("/", "--"))
        BUILDERS[model_id](repo / "snapshots" / COMMIT)
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(COMMIT)
    return cache
