"""A small convolutional CRF tagger under alsel's model contract, for many short trainings.

forward(input_ids, attention_mask) -> emissions (B, T, L); CRF parameters as attributes
(transitions[from, to], start_transitions, end_transitions), like bert_tagger.BertCrfTagger,
so the CRF loss (crf.py), batching (alsel_py/examples.py) and export apply unchanged.
Character embeddings plus hashed left/right bigrams, then residual 1-D convolutions (kernel 3,
dilations 1, 2, 1): local context only, which is most of what Chinese NER needs and learns in a
few hundred steps where a transformer from scratch needs thousands (docs/experiments/msra-al/README.md).
"""

from __future__ import annotations

from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from .bigrams import crf_parameters, hashed_bigram_ids, left_and_right


class ConvBlock(nn.Module):
    def __init__(self, hidden: int, dilation: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(hidden, 2 * hidden, kernel_size=3, padding=dilation, dilation=dilation)
        self.norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        # x (B, T, H); gated linear unit over a kernel-3 convolution, residual, padding zeroed.
        h = self.conv(self.norm(x).transpose(1, 2)).transpose(1, 2)
        return (x + self.dropout(F.glu(h, dim=-1))) * keep


class ConvCrfTagger(nn.Module):
    def __init__(self, vocab_size: int, num_labels: int, hidden: int = 192, dilations: List[int] = (1, 2, 1),
                 max_len: int = 256, bigram_buckets: int = 16384, bigram_dim: int = 64, dropout: float = 0.2):
        super().__init__()
        self.max_len = max_len
        self.bigram_buckets = bigram_buckets
        self.token_embedding = nn.Embedding(vocab_size, hidden)
        self.bigram_embedding = nn.Embedding(bigram_buckets, bigram_dim)
        self.bigram_projection = nn.Linear(2 * bigram_dim, hidden)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([ConvBlock(hidden, d, dropout) for d in dilations])
        self.final_norm = nn.LayerNorm(hidden)
        self.classifier = nn.Linear(hidden, num_labels)
        self.transitions, self.start_transitions, self.end_transitions = crf_parameters(num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = attention_mask.to(torch.float32).unsqueeze(2)
        right = self.bigram_embedding(hashed_bigram_ids(input_ids, self.bigram_buckets))
        x = self.token_embedding(input_ids) + self.bigram_projection(left_and_right(right))
        x = self.dropout(x) * keep
        for block in self.blocks:
            x = block(x, keep)
        return self.classifier(self.final_norm(x))
