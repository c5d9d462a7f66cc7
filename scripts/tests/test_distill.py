import itertools

import torch

from alsel_py.distill import crf_marginals, expected_negative_log_likelihood, log_partition


def brute_force(emissions, length, start, transitions, end):
    """All label sequences of one sentence: their log scores."""
    labels = emissions.size(1)
    out = {}
    for path in itertools.product(range(labels), repeat=length):
        s = start[path[0]] + emissions[0, path[0]]
        for i in range(1, length):
            s = s + transitions[path[i - 1], path[i]] + emissions[i, path[i]]
        out[path] = s + end[path[-1]]
    return out


def random_crf(seed, w=4, l=3):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, w, l, generator=g), torch.randn(l, generator=g), torch.randn(l, l, generator=g),
            torch.randn(l, generator=g))


def test_marginals_match_enumeration():
    emissions, start, transitions, end = random_crf(0)
    mask = torch.tensor([[True] * 4, [True, True, True, False]])
    unary, pair = crf_marginals(emissions, mask, start, transitions, end)
    for b, length in ((0, 4), (1, 3)):
        scores = brute_force(emissions[b], length, start, transitions, end)
        log_z = torch.logsumexp(torch.stack(list(scores.values())), 0)
        want_unary = torch.zeros(4, 3)
        want_pair = torch.zeros(3, 3, 3)
        for path, s in scores.items():
            p = torch.exp(s - log_z)
            for i, y in enumerate(path):
                want_unary[i, y] += p
            for i in range(1, length):
                want_pair[i - 1, path[i - 1], path[i]] += p
        assert torch.allclose(unary[b], want_unary, atol=1e-5), b
        assert torch.allclose(pair[b], want_pair, atol=1e-5), b
        assert torch.allclose(log_partition(emissions, mask, start, transitions, end)[b], log_z, atol=1e-5)


def test_expected_nll_matches_enumeration_for_a_different_student():
    teacher = random_crf(1)
    student = random_crf(2)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    unary, pair = crf_marginals(teacher[0], mask, *teacher[1:])
    got = expected_negative_log_likelihood(student[0], mask, student[1], student[2], student[3], unary, pair)
    want = 0.0
    for b, length in ((0, 4), (1, 2)):
        t = brute_force(teacher[0][b], length, *teacher[1:])
        s = brute_force(student[0][b], length, *student[1:])
        t_z = torch.logsumexp(torch.stack(list(t.values())), 0)
        s_z = torch.logsumexp(torch.stack(list(s.values())), 0)
        want += sum(torch.exp(t[p] - t_z) * (s_z - s[p]) for p in t)
    assert torch.allclose(got, torch.as_tensor(want), atol=1e-4)


def test_distillation_gradient_flows_to_the_student_only():
    teacher = random_crf(3)
    emissions = torch.randn(2, 4, 3, requires_grad=True)
    mask = torch.ones(2, 4, dtype=torch.bool)
    unary, pair = crf_marginals(teacher[0], mask, *teacher[1:])
    assert not unary.requires_grad
    loss = expected_negative_log_likelihood(emissions, mask, *teacher[1:], unary, pair)
    loss.backward()
    # The student equal to the teacher's CRF: gradient = student marginals - teacher marginals.
    student_unary, _ = crf_marginals(emissions.detach(), mask, *teacher[1:])
    assert torch.allclose(emissions.grad, student_unary - unary, atol=1e-5)
