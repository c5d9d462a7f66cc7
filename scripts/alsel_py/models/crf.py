"""The CRF over word positions: training loss, decoding, and the emissions it reads.

Any tagger under alsel's model contract works here: forward(input_ids, attention_mask) ->
emissions (B, T, L) and the attributes transitions[from, to], start_transitions and
end_transitions. Each word is represented by its first wordpiece (word_emissions); the marginals
and the distillation loss are in alsel_py/distill.py.
"""

from __future__ import annotations

from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


def word_emissions(model: nn.Module, ids, attention, word_index) -> torch.Tensor:
    """The model's emissions at each word's first piece: ids, attention (B, T), word_index (B, W)
    -> (B, W, L)."""
    emissions = model(ids, attention)  # (B, T, L)
    return emissions.gather(1, word_index.unsqueeze(2).expand(-1, -1, emissions.size(2)))


def crf_negative_log_likelihood(emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor,
                                model: nn.Module) -> torch.Tensor:
    """Sum over the batch of -log p(tags | x). emissions (B, W, L), tags (B, W), mask (B, W) bool;
    every sentence has at least one word and its words are a prefix of W."""
    transitions, start, end = model.transitions, model.start_transitions, model.end_transitions
    b, w, _ = emissions.shape
    maskf = mask.to(emissions.dtype)
    score = start[tags[:, 0]] + emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
    alpha = start.unsqueeze(0) + emissions[:, 0]
    for i in range(1, w):
        step = transitions[tags[:, i - 1], tags[:, i]] + emissions[:, i].gather(1, tags[:, i:i + 1]).squeeze(1)
        score = score + step * maskf[:, i]
        nxt = torch.logsumexp(alpha.unsqueeze(2) + transitions.unsqueeze(0) + emissions[:, i].unsqueeze(1), dim=1)
        alpha = torch.where(mask[:, i:i + 1], nxt, alpha)
    lengths = mask.sum(1)
    last_tags = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
    score = score + end[last_tags]
    log_z = torch.logsumexp(alpha + end.unsqueeze(0), dim=1)
    return (log_z - score).sum()


def softmax_negative_log_likelihood(emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum over the batch's words of -log softmax(emissions)[tag]: the head without the CRF."""
    return F.cross_entropy(emissions[mask], tags[mask], reduction="sum")


def freeze_crf_at_zero(model: nn.Module):
    """--head softmax: transitions, start and end fixed at 0, so CRF decoding and marginals are the
    per-word argmax and softmax, and the exported file still meets alsel's model contract."""
    with torch.no_grad():
        for p in (model.transitions, model.start_transitions, model.end_transitions):
            p.zero_()
            p.requires_grad_(False)


def crf_viterbi(emissions: torch.Tensor, mask: torch.Tensor, model: nn.Module) -> List[List[int]]:
    """The best label path of each sentence, one label per word. emissions (B, W, L), mask (B, W)
    bool with the words as a prefix."""
    transitions, start, end = model.transitions, model.start_transitions, model.end_transitions
    b, w, _ = emissions.shape
    score = start.unsqueeze(0) + emissions[:, 0]
    history = []
    for i in range(1, w):
        candidates = score.unsqueeze(2) + transitions.unsqueeze(0)  # (B, from, to)
        best, index = candidates.max(dim=1)
        nxt = best + emissions[:, i]
        history.append(index)
        score = torch.where(mask[:, i:i + 1], nxt, score)
    score = score + end.unsqueeze(0)
    lengths = mask.sum(1).tolist()
    paths = []
    for s in range(b):
        label = int(score[s].argmax())
        path = [label]
        for i in range(lengths[s] - 1, 0, -1):
            label = int(history[i - 1][s, label])
            path.append(label)
        paths.append(path[::-1])
    return paths
