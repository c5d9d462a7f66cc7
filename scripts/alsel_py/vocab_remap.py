"""A frozen model read through another vocabulary.

A teacher trained on another split has its own vocabulary (built from its own training text), so
this run's ids mean other pieces to it. `VocabularyRemap` wraps such a model: it translates each id
of this run's vocabulary to the id of the same piece in the model's vocabulary ([UNK] where the
model's vocabulary lacks the piece) before the model reads it. The model's hashed bigram and
lexicon features are computed from its own ids, so they see what they saw in training."""
from typing import Tuple

import torch
from torch import nn

from .tokenizer import UNK, Vocabulary


def id_map(source: Vocabulary, target: Vocabulary) -> Tuple[torch.Tensor, int]:
    """For every id of `source`, the id of the same token in `target` ([UNK]'s where `target` lacks
    it); and how many of `source`'s tokens `target` lacks."""
    unk = target.ids[UNK]
    table = [target.ids.get(token, unk) for token in source.tokens]
    missing = sum(1 for token in source.tokens if token not in target.ids)
    return torch.tensor(table, dtype=torch.long), missing


class VocabularyRemap(nn.Module):
    """`model` (emissions from ids and attention, CRF parameters as attributes) fed ids of `source`."""

    def __init__(self, model: nn.Module, source: Vocabulary, target: Vocabulary):
        super().__init__()
        self.model = model
        table, self.missing = id_map(source, target)
        self.register_buffer("table", table)

    def forward(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        return self.model(self.table[ids], attention)

    @property
    def start_transitions(self) -> torch.Tensor:
        return self.model.start_transitions

    @property
    def transitions(self) -> torch.Tensor:
        return self.model.transitions

    @property
    def end_transitions(self) -> torch.Tensor:
        return self.model.end_transitions
