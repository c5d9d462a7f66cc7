import torch

from alsel_py.models.lstm_tagger import BiLstmCrfTagger, reverse_within_length


def test_reverse_within_length_keeps_padding_in_place_and_is_its_own_inverse():
    x = torch.arange(10, dtype=torch.float32).view(2, 5, 1)
    lengths = torch.tensor([5, 3])
    y = reverse_within_length(x, lengths)
    assert y[0, :, 0].tolist() == [4, 3, 2, 1, 0]
    assert y[1, :, 0].tolist() == [7, 6, 5, 8, 9]
    assert torch.equal(reverse_within_length(y, lengths), x)


def test_emissions_do_not_depend_on_padding_or_batch_partners():
    torch.manual_seed(0)
    model = BiLstmCrfTagger(50, 7, embedding_dim=8, lstm_hidden=6, bigram_buckets=31, bigram_dim=4).eval()
    short = torch.tensor([[2, 10, 11, 12, 3]])
    long = torch.tensor([[2, 20, 21, 22, 23, 24, 25, 3]])
    alone = model(short, torch.ones_like(short))
    padded = torch.cat([short, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    batch = torch.cat([padded, long])
    mask = (batch != 0).long()
    together = model(batch, mask)
    assert torch.allclose(together[0, :5], alone[0], atol=1e-6)


def test_scripted_model_matches_eager():
    torch.manual_seed(1)
    model = BiLstmCrfTagger(50, 7, embedding_dim=8, lstm_hidden=6, bigram_buckets=31, bigram_dim=4).eval()
    scripted = torch.jit.script(model)
    ids = torch.tensor([[2, 10, 11, 3, 0], [2, 12, 13, 14, 3]])
    mask = (ids != 0).long()
    assert torch.allclose(scripted(ids, mask), model(ids, mask))
    assert scripted.transitions.shape == (7, 7)
