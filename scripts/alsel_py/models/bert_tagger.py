"""alsel's default NER model: a small BERT encoder with a CRF head, trained from scratch.

forward(input_ids int64[B,T], attention_mask int64[B,T]) -> emissions float[B,T,L] over the
whole wordpiece sequence, [CLS] and [SEP] included; CRF parameters as attributes (pytorch-crf
convention: transitions[from, to], start_transitions, end_transitions), used over word positions
only (alsel_py/models/crf.py). docs/model-format.md is the contract.

Architecture levers (all inside forward(), so the contract stays the same):
  * hashed character bigrams (left and right) added to the token embeddings;
  * clipped relative-position attention biases (direction- and distance-aware, as in TENER);
  * pre-LayerNorm transformer layers, GELU, learned absolute positions;
  * optionally (conv_kernel > 0) a local convolution block in every layer, before attention: a
    depthwise convolution over the sequence (padding masked to zero, so a sentence's emissions do
    not depend on what it is batched with), GELU and a pointwise projection, residual. It gives the
    layers the locality bias that recurrent and convolutional taggers have (models/README.md).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..lexicon import FEATURES as LEXICON_FEATURES, LexiconFeatures
from .bigrams import crf_parameters, hashed_bigram_ids, left_and_right


class RelativeSelfAttention(nn.Module):
    def __init__(self, hidden: int, heads: int, rel_window: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.rel_window = rel_window
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        # One learned bias per head for each clipped signed distance j - i in [-w, w].
        self.rel_bias = nn.Embedding(2 * rel_window + 1, heads)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        # x (B, T, H); mask_bias (B, 1, 1, T): 0 for real tokens, -1e4 for padding.
        b, t, h = x.shape
        qkv = self.qkv(x).view(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, T, d)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        pos = torch.arange(t, device=x.device)
        rel = (pos.unsqueeze(0) - pos.unsqueeze(1)).clamp(-self.rel_window, self.rel_window)
        bias = self.rel_bias(rel + self.rel_window).permute(2, 0, 1).unsqueeze(0)  # (1, heads, T, T)
        probs = self.dropout(torch.softmax(scores + bias + mask_bias, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)
        return self.out(context)


class LocalConvolution(nn.Module):
    """Depthwise convolution over positions, GELU, pointwise projection: (B, T, H) -> (B, T, H).
    Padded positions are zeroed first, so they read as the convolution's own zero padding."""

    def __init__(self, hidden: int, kernel: int):
        super().__init__()
        if kernel % 2 != 1:
            raise ValueError(f"conv_kernel must be odd, got {kernel}")
        self.depthwise = nn.Conv1d(hidden, hidden, kernel, padding=kernel // 2, groups=hidden)
        self.pointwise = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        # keep (B, T, 1): 1 for real tokens, 0 for padding.
        y = self.depthwise((x * keep).transpose(1, 2)).transpose(1, 2)
        return self.pointwise(F.gelu(y))


class EncoderLayer(nn.Module):
    __constants__ = ["use_conv"]

    def __init__(self, hidden: int, heads: int, ffn: int, rel_window: int, dropout: float, conv_kernel: int = 0):
        super().__init__()
        self.use_conv = conv_kernel > 0
        if self.use_conv:
            self.norm_conv = nn.LayerNorm(hidden)
            self.conv = LocalConvolution(hidden, conv_kernel)
        self.norm1 = nn.LayerNorm(hidden)
        self.attention = RelativeSelfAttention(hidden, heads, rel_window, dropout)
        self.norm2 = nn.LayerNorm(hidden)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.ffn_out = nn.Linear(ffn, hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        if self.use_conv:
            x = x + self.dropout(self.conv(self.norm_conv(x), keep))
        x = x + self.dropout(self.attention(self.norm1(x), mask_bias))
        return x + self.dropout(self.ffn_out(F.gelu(self.ffn_in(self.norm2(x)))))


class BertCrfTagger(nn.Module):
    """forward(input_ids, attention_mask) -> emissions (B, T, L); CRF parameters as attributes."""

    __constants__ = ["use_lexicon"]  # TorchScript compiles only the branch the flag selects

    def __init__(self, vocab_size: int, num_labels: int, hidden: int = 256, layers: int = 3,
                 heads: int = 4, ffn: int = 1024, max_len: int = 256, rel_window: int = 32,
                 bigram_buckets: int = 16384, bigram_dim: int = 48, dropout: float = 0.1,
                 lexicon_buckets: int = 0, lexicon_max_word: int = 10, lexicon_probes: int = 8,
                 conv_kernel: int = 0):
        super().__init__()
        self.max_len = max_len
        # lexicon_buckets > 0: jieba dictionary features (alsel_py/lexicon.py), projected and added
        # to the embeddings like the bigrams; the table is a buffer filled by the trainer.
        self.use_lexicon = lexicon_buckets > 0
        if self.use_lexicon:
            self.lexicon = LexiconFeatures(lexicon_buckets, lexicon_max_word, lexicon_probes)
            self.lexicon_projection = nn.Linear(LEXICON_FEATURES, hidden)
        # bigram_buckets 0 turns the bigram features off (the ablation in models/README.md).
        self.use_bigrams = bigram_buckets > 0
        self.bigram_buckets = max(1, bigram_buckets)
        self.token_embedding = nn.Embedding(vocab_size, hidden)
        self.position_embedding = nn.Embedding(max_len, hidden)
        self.bigram_embedding = nn.Embedding(self.bigram_buckets, bigram_dim)
        self.bigram_projection = nn.Linear(2 * bigram_dim, hidden)
        self.embedding_norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            [EncoderLayer(hidden, heads, ffn, rel_window, dropout, conv_kernel) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(hidden)
        self.classifier = nn.Linear(hidden, num_labels)
        self.transitions, self.start_transitions, self.end_transitions = crf_parameters(num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        b, t = input_ids.shape
        positions = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.token_embedding(input_ids) + self.position_embedding(positions)
        if self.use_bigrams:
            right = self.bigram_embedding(hashed_bigram_ids(input_ids, self.bigram_buckets))
            x = x + self.bigram_projection(left_and_right(right))
        if self.use_lexicon:
            x = x + self.lexicon_projection(self.lexicon(input_ids))
        x = self.dropout(self.embedding_norm(x))
        mask_bias = (1.0 - attention_mask.to(x.dtype)).view(b, 1, 1, t) * -10000.0
        keep = attention_mask.to(x.dtype).unsqueeze(-1)
        for layer in self.layers:
            x = layer(x, mask_bias, keep)
        return self.classifier(self.final_norm(x))
