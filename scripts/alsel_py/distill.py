"""Distillation from a CRF teacher's marginals (issue 13: a BiLSTM-CRF teacher for the BERT-CRF).

The student's distillation loss is its expected negative log-likelihood under the teacher's
posterior over label sequences q:

    E_q[-log p_s(y | x)] = log Z_s - E_q[score_s(y)]
                         = log Z_s - sum_i <q_i, e_i> - sum_i <q_{i-1,i}, T> - <q_0, start> - <q_last, end>

exact, since the CRF score is linear in its unary and pairwise terms. The teacher's unary
marginals q_i and pairwise marginals q_{i-1,i} are the gradients of its log-partition with
respect to its emissions and to per-position copies of its transition matrix. All in float32,
over word positions (the CRF's positions under alsel's contract); mask (B, W) bool, prefix form.
"""

from __future__ import annotations

from typing import Tuple

import torch


def log_partition(emissions: torch.Tensor, mask: torch.Tensor, start: torch.Tensor,
                  transitions: torch.Tensor, end: torch.Tensor) -> torch.Tensor:
    """log Z (B,) of a linear-chain CRF. transitions (L, L) or per position (B, W-1, L, L), the
    entry [b, i-1] scoring the move into word i."""
    b, w, _ = emissions.shape
    alpha = start.unsqueeze(0) + emissions[:, 0]
    for i in range(1, w):
        step = transitions if transitions.dim() == 2 else transitions[:, i - 1]
        nxt = torch.logsumexp(alpha.unsqueeze(2) + step + emissions[:, i].unsqueeze(1), dim=1)
        alpha = torch.where(mask[:, i:i + 1], nxt, alpha)
    return torch.logsumexp(alpha + end.unsqueeze(0), dim=1)


def crf_marginals(emissions: torch.Tensor, mask: torch.Tensor, start: torch.Tensor, transitions: torch.Tensor,
                  end: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Unary marginals (B, W, L) and pairwise marginals (B, W-1, L, L), zero past each sentence's
    end; detached from every input."""
    b, w, l = emissions.shape
    with torch.enable_grad():
        unary_input = emissions.detach().float().requires_grad_(True)
        pair_input = transitions.detach().float().expand(b, max(0, w - 1), l, l).clone().requires_grad_(True)
        log_z = log_partition(unary_input, mask, start.detach().float(), pair_input, end.detach().float())
        if w > 1:
            unary, pair = torch.autograd.grad(log_z.sum(), [unary_input, pair_input])
        else:
            unary, pair = torch.autograd.grad(log_z.sum(), [unary_input])[0], pair_input.detach() * 0
    return unary, pair


def expected_negative_log_likelihood(emissions: torch.Tensor, mask: torch.Tensor, start: torch.Tensor,
                                     transitions: torch.Tensor, end: torch.Tensor, unary: torch.Tensor,
                                     pair: torch.Tensor) -> torch.Tensor:
    """Sum over the batch of E_q[-log p_s(y | x)] for the student's CRF (emissions, start,
    transitions, end) and the teacher marginals (unary, pair) from crf_marginals."""
    log_z = log_partition(emissions, mask, start, transitions, end)
    maskf = mask.to(emissions.dtype)
    expected = (unary * emissions).sum(dim=(1, 2))
    expected = expected + (unary[:, 0] * start.unsqueeze(0)).sum(1)
    lengths = mask.sum(1)
    last = unary.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, unary.size(2))).squeeze(1)
    expected = expected + (last * end.unsqueeze(0)).sum(1)
    if pair.size(1) > 0:
        expected = expected + (pair * transitions.unsqueeze(0).unsqueeze(0) * maskf[:, 1:, None, None]).sum(dim=(1, 2, 3))
    return (log_z - expected).sum()
