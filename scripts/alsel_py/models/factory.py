"""Building a tagger from its configuration: the dict stored in checkpoints as "config".

A configuration without "arch" (or with "bert") is a BertCrfTagger's constructor arguments;
arch="bilstm" a BiLstmCrfTagger's. The label set is alsel_py.msra.LABELS.
"""

from __future__ import annotations

from typing import Dict

import torch.nn as nn

from ..msra import LABELS
from .bert_tagger import BertCrfTagger
from .lstm_tagger import BiLstmCrfTagger


def model_config(args) -> Dict:
    """The model's constructor arguments; a BiLSTM's carry arch="bilstm" (BERT's none, as before),
    a model with lexicon features lexicon_* (set by load_lexicon; none without --lexicon)."""
    if getattr(args, "arch", "bert") == "bilstm":
        config = dict(arch="bilstm", embedding_dim=args.embedding_dim, lstm_hidden=args.lstm_hidden,
                      max_len=args.max_len, bigram_buckets=args.bigram_buckets, bigram_dim=args.bigram_dim,
                      dropout=args.dropout)
    else:
        config = dict(hidden=args.hidden, layers=args.layers, heads=args.heads, ffn=args.ffn,
                      max_len=args.max_len, rel_window=args.rel_window,
                      bigram_buckets=args.bigram_buckets, bigram_dim=args.bigram_dim, dropout=args.dropout)
        if getattr(args, "conv_kernel", 0) > 0:  # absent from older checkpoints' configs
            config.update(conv_kernel=args.conv_kernel)
    if getattr(args, "lexicon_buckets", 0) > 0:
        config.update(lexicon_buckets=args.lexicon_buckets, lexicon_max_word=args.lexicon_max_word,
                      lexicon_probes=8)
    return config


def build_model(vocab_size: int, config: Dict) -> nn.Module:
    """BertCrfTagger, or BiLstmCrfTagger when config["arch"] is "bilstm"."""
    config = dict(config)
    if config.pop("arch", "bert") == "bilstm":
        return BiLstmCrfTagger(vocab_size, len(LABELS), **config)
    return BertCrfTagger(vocab_size, len(LABELS), **config)


def architecture_name(config: Dict) -> str:
    if config.get("arch") == "bilstm":
        return "bilstm-crf" + (" (hashed bigrams)" if config["bigram_buckets"] > 0 else "")
    features = ["pre-LN"]
    if config["rel_window"] > 0:
        features.append("relative position bias")
    if config["bigram_buckets"] > 0:
        features.append("hashed bigrams")
    if config.get("conv_kernel", 0) > 0:
        features.append(f"local convolution {config['conv_kernel']}")
    return "bert-crf (" + ", ".join(features) + ")"
