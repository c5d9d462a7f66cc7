"""alsel_py/models/crf.py against brute-force enumeration of every label path of tiny sentences."""

import itertools

import torch
import torch.nn as nn

from alsel_py.models.bigrams import crf_parameters
from alsel_py.models.crf import crf_negative_log_likelihood, crf_viterbi, word_emissions

torch.set_num_threads(1)


class Crf(nn.Module):
    """Just the CRF attributes the functions read from a tagger."""

    def __init__(self, labels: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.transitions, self.start_transitions, self.end_transitions = crf_parameters(labels)
        with torch.no_grad():  # larger than crf_parameters' init, so the transitions matter
            for p in (self.transitions, self.start_transitions, self.end_transitions):
                p.normal_()


def path_scores(emissions, length, crf):
    """Every label sequence of one sentence (emissions (W, L), its first `length` words): score."""
    labels = emissions.size(1)
    scores = {}
    for path in itertools.product(range(labels), repeat=length):
        s = crf.start_transitions[path[0]] + emissions[0, path[0]]
        for i in range(1, length):
            s = s + crf.transitions[path[i - 1], path[i]] + emissions[i, path[i]]
        scores[path] = s + crf.end_transitions[path[-1]]
    return scores


def batch(seed, lengths, labels=3):
    g = torch.Generator().manual_seed(seed)
    w = max(lengths)
    emissions = torch.randn(len(lengths), w, labels, generator=g)
    tags = torch.randint(0, labels, (len(lengths), w), generator=g)
    mask = torch.arange(w).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return emissions, tags, mask


def test_negative_log_likelihood_is_log_z_minus_the_gold_path_score():
    crf = Crf(3, seed=0)
    lengths = [4, 1, 3]
    emissions, tags, mask = batch(1, lengths)
    got = crf_negative_log_likelihood(emissions, tags, mask, crf)
    want = 0.0
    for b, length in enumerate(lengths):
        scores = path_scores(emissions[b], length, crf)
        log_z = torch.logsumexp(torch.stack(list(scores.values())), 0)
        want = want + log_z - scores[tuple(tags[b, :length].tolist())]
    assert torch.allclose(got, want, atol=1e-4), (float(got), float(want))


def test_negative_log_likelihood_ignores_tags_and_emissions_past_the_length():
    crf = Crf(3, seed=2)
    emissions, tags, mask = batch(3, [4, 2])
    before = crf_negative_log_likelihood(emissions, tags, mask, crf)
    emissions[1, 2:] = 100.0
    tags[1, 2:] = 2
    assert torch.allclose(crf_negative_log_likelihood(emissions, tags, mask, crf), before)


def test_viterbi_is_the_highest_scoring_path():
    lengths = [5, 2, 1, 4]
    for seed in range(6):
        crf = Crf(4, seed=seed)
        emissions, _, mask = batch(seed + 10, lengths, labels=4)
        paths = crf_viterbi(emissions, mask, crf)
        for b, length in enumerate(lengths):
            scores = path_scores(emissions[b], length, crf)
            best = max(scores, key=lambda p: float(scores[p]))
            assert paths[b] == list(best), (seed, b)


def test_word_emissions_take_each_words_first_piece():
    emissions = torch.arange(2 * 6 * 2, dtype=torch.float32).view(2, 6, 2)
    model = lambda ids, attention: emissions  # noqa: E731
    word_index = torch.tensor([[1, 3, 4], [1, 2, 0]])
    got = word_emissions(model, None, None, word_index)
    assert got.shape == (2, 3, 2)
    assert torch.equal(got[0], emissions[0, [1, 3, 4]])
    assert torch.equal(got[1, :2], emissions[1, [1, 2]])
