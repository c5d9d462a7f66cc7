"""Weight averaging of checkpoints from one training run (the last epochs of a schedule), in the
manner of Polyak averaging and the checkpoint averages of Vaswani et al. (2017): the mean of the
floating-point tensors; integer buffers (the lexicon's hash table) must agree and are kept."""

from __future__ import annotations

from typing import Dict, List

import torch


def average_state_dicts(states: List[Dict[str, torch.Tensor]]) -> Dict[str, torch.Tensor]:
    """The element-wise mean of floating tensors over `states` (same keys and shapes), computed in
    float64 and cast back; non-floating tensors must be identical in every state."""
    if not states:
        raise ValueError("no checkpoints to average")
    keys = list(states[0])
    for i, state in enumerate(states[1:], start=1):
        if list(state) != keys:
            raise ValueError(f"checkpoint {i} has other tensors than checkpoint 0 (not the same architecture)")
    averaged = {}
    for key in keys:
        tensors = [state[key] for state in states]
        if any(t.shape != tensors[0].shape for t in tensors):
            raise ValueError(f"{key}: shapes differ between checkpoints")
        if tensors[0].is_floating_point():
            averaged[key] = torch.stack([t.double() for t in tensors]).mean(0).to(tensors[0].dtype)
        else:
            if any(not torch.equal(t, tensors[0]) for t in tensors[1:]):
                raise ValueError(f"{key}: integer tensor differs between checkpoints (another lexicon or vocabulary?)")
            averaged[key] = tensors[0].clone()
    return averaged
