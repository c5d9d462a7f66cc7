"""Hashed character bigrams and CRF parameters shared by the trainable taggers.

The taggers (bert_tagger.BertCrfTagger, lstm_tagger.BiLstmCrfTagger, conv_tagger.ConvCrfTagger)
compute their bigram features inside forward() from input_ids, so alsel's model contract stays
input_ids and attention_mask only. TorchScript compiles these functions along with the model.
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn as nn


def hashed_bigram_ids(input_ids: torch.Tensor, buckets: int) -> torch.Tensor:
    """Right bigram of position t = (id[t], id[t+1]) hashed into [0, buckets)."""
    following = torch.cat([input_ids[:, 1:], torch.zeros_like(input_ids[:, :1])], dim=1)
    return (input_ids * 1000003 + following * 7919 + 17) % buckets


def left_and_right(right: torch.Tensor) -> torch.Tensor:
    """(B, T, D) right-bigram embeddings -> (B, T, 2D): each position's left and right bigram."""
    left = torch.cat([torch.zeros_like(right[:, :1]), right[:, :-1]], dim=1)
    return torch.cat([left, right], dim=-1)


def crf_parameters(num_labels: int) -> Tuple[nn.Parameter, nn.Parameter, nn.Parameter]:
    """transitions[from, to], start_transitions, end_transitions (pytorch-crf's names and layout)."""
    return (nn.Parameter(torch.empty(num_labels, num_labels).uniform_(-0.1, 0.1)),
            nn.Parameter(torch.empty(num_labels).uniform_(-0.1, 0.1)),
            nn.Parameter(torch.empty(num_labels).uniform_(-0.1, 0.1)))
