"""Independent reference computations (torch, float64) used to check alsel's C++ results.

The CRF marginals here are computed with torch's autograd: the gradient of log Z with respect to
the unary scores is exactly the matrix of marginals P(y_w = l | x). This shares no code and no
algorithm with alsel's explicit forward-backward in src/model/crf.cc.
"""

import unicodedata
from typing import Dict, List, Sequence

import torch

# alsel's decoding constraint (include/alsel/model/entity_constraint.h): how far it lowers every label
# but O of a word that can only be O.
FORBIDDEN_EMISSION = 1.0e4


def never_entity_word(word: str, unknown: bool) -> bool:
    """The constraint's rule, from Python's Unicode database: a word that the vocabulary lacks
    (`unknown`) and that holds no letter, or a word with a symbol (S*) and no letter or number
    (L*, N*), can only be labelled O."""
    categories = [unicodedata.category(c) for c in word]
    has_letter = any(c.startswith("L") for c in categories)
    has_letter_or_number = any(c[0] in "LN" for c in categories)
    has_symbol = any(c.startswith("S") for c in categories)
    if unknown and not has_letter:
        return True
    return has_symbol and not has_letter_or_number


def forbid_entity_labels(rows: List[List[float]], never: Sequence[bool], outside: int) -> List[List[float]]:
    """Rows (one per word) with every label but `outside` set FORBIDDEN_EMISSION below it where
    `never` says so."""
    return [[r[label] if label == outside or not flag else r[outside] - FORBIDDEN_EMISSION
             for label in range(len(r))] for r, flag in zip(rows, never)]


def log_partition(emissions: torch.Tensor, transitions, start, end) -> torch.Tensor:
    alpha = start + emissions[0]
    for i in range(1, emissions.shape[0]):
        alpha = torch.logsumexp(alpha.unsqueeze(1) + transitions + emissions[i].unsqueeze(0), dim=0)
    return torch.logsumexp(alpha + end, dim=0)


def marginals(emissions, transitions, start, end) -> torch.Tensor:
    unary = torch.tensor(emissions, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(transitions, dtype=torch.float64)
    s = torch.tensor(start, dtype=torch.float64)
    e = torch.tensor(end, dtype=torch.float64)
    log_z = log_partition(unary, t, s, e)
    (grad,) = torch.autograd.grad(log_z, unary)
    return grad


def viterbi(emissions, transitions, start, end) -> List[int]:
    em = torch.tensor(emissions, dtype=torch.float64)
    t = torch.tensor(transitions, dtype=torch.float64)
    score = torch.tensor(start, dtype=torch.float64) + em[0]
    back = []
    for i in range(1, em.shape[0]):
        total = score.unsqueeze(1) + t
        best, index = total.max(dim=0)
        back.append(index)
        score = best + em[i]
    score = score + torch.tensor(end, dtype=torch.float64)
    path = [int(score.argmax())]
    for index in reversed(back):
        path.append(int(index[path[-1]]))
    return path[::-1]


def measures(probabilities: torch.Tensor, path: List[int], trim_threshold: float = 0.99) -> Dict[str, float]:
    top = probabilities.max(dim=1).values
    kept = top[top < trim_threshold]
    plogp = torch.where(probabilities > 0, probabilities * probabilities.clamp_min(1e-300).log(),
                        torch.zeros_like(probabilities))
    return {
        "nlc": float(top.mean()),
        "trimmed": float(kept.mean()) if len(kept) else float(top.mean()),
        "mnlp": float(top.clamp_min(1e-300).log().mean()),
        "entropy": float((-plogp.sum(dim=1)).mean()),
        "ltp": float(probabilities[torch.arange(len(path)), torch.tensor(path)].min()),
    }
