"""A BiLSTM-CRF tagger under alsel's model contract: the yardstick of issue 13.

forward(input_ids, attention_mask) -> emissions (B, T, L); CRF parameters as attributes
(transitions[from, to], start_transitions, end_transitions), like bert_tagger.BertCrfTagger,
so the CRF loss (crf.py), batching, evaluation and export apply unchanged.

Character embeddings concatenated with hashed left/right bigram embeddings (computed inside
forward() from input_ids), one BiLSTM layer, a linear layer to the labels. The backward
direction reads each sequence reversed *within its own length* (a gather by attention_mask),
so right padding never enters a real position's state: a sentence gets the same emissions
whatever it is batched with, which alsel relies on (it batches windows of mixed lengths).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .bigrams import crf_parameters, hashed_bigram_ids, left_and_right
from ..lexicon import FEATURES as LEXICON_FEATURES, LexiconFeatures


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """x (B, T, D): position t < length[b] takes x[b, length[b] - 1 - t]; padding stays in place.
    Its own inverse."""
    b, t, d = x.shape
    positions = torch.arange(t, device=x.device).unsqueeze(0).expand(b, t)
    last = (lengths - 1).unsqueeze(1)
    index = torch.where(positions <= last, last - positions, positions)
    return x.gather(1, index.unsqueeze(2).expand(b, t, d))


class BiLstmCrfTagger(nn.Module):
    __constants__ = ["use_lexicon"]  # TorchScript compiles only the branch the flag selects

    def __init__(self, vocab_size: int, num_labels: int, embedding_dim: int = 128, lstm_hidden: int = 200,
                 max_len: int = 256, bigram_buckets: int = 16384, bigram_dim: int = 48, dropout: float = 0.3,
                 lexicon_buckets: int = 0, lexicon_max_word: int = 10, lexicon_probes: int = 8):
        super().__init__()
        # lexicon_buckets > 0: the 12 dictionary indicators (alsel_py/lexicon.py) join the input.
        self.use_lexicon = lexicon_buckets > 0
        if self.use_lexicon:
            self.lexicon = LexiconFeatures(lexicon_buckets, lexicon_max_word, lexicon_probes)
        self.max_len = max_len
        self.use_bigrams = bigram_buckets > 0
        self.bigram_buckets = max(1, bigram_buckets)
        self.token_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.bigram_embedding = nn.Embedding(self.bigram_buckets, bigram_dim)
        input_dim = embedding_dim + (2 * bigram_dim if self.use_bigrams else 0)
        input_dim += LEXICON_FEATURES if self.use_lexicon else 0
        self.dropout = nn.Dropout(dropout)
        self.forward_lstm = nn.LSTM(input_dim, lstm_hidden, batch_first=True)
        self.backward_lstm = nn.LSTM(input_dim, lstm_hidden, batch_first=True)
        self.classifier = nn.Linear(2 * lstm_hidden, num_labels)
        self.transitions, self.start_transitions, self.end_transitions = crf_parameters(num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        lengths = attention_mask.sum(1).clamp(min=1)
        x = self.token_embedding(input_ids)
        if self.use_bigrams:
            right = self.bigram_embedding(hashed_bigram_ids(input_ids, self.bigram_buckets))
            x = torch.cat([x, left_and_right(right)], dim=-1)
        if self.use_lexicon:
            x = torch.cat([x, self.lexicon(input_ids)], dim=-1)
        x = self.dropout(x)
        forward_states, _ = self.forward_lstm(x)
        backward_states, _ = self.backward_lstm(reverse_within_length(x, lengths))
        states = torch.cat([forward_states, reverse_within_length(backward_states, lengths)], dim=-1)
        return self.classifier(self.dropout(states))
