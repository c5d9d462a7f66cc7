"""alsel's model contract (docs/model-format.md) for every tagger in alsel_py/models/:
forward(input_ids (B, T), attention_mask (B, T)) -> emissions (B, T, L); the CRF parameters
transitions (L, L), start_transitions (L,) and end_transitions (L,) as attributes; TorchScript
scripting gives the same emissions."""

import pytest
import torch

from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.models.conv_tagger import ConvCrfTagger
from alsel_py.models.lstm_tagger import BiLstmCrfTagger
from alsel_py.msra import LABELS

torch.set_num_threads(1)
VOCAB = 60
TAGGERS = {
    "bert": lambda: BertCrfTagger(VOCAB, len(LABELS), hidden=16, layers=1, heads=2, ffn=32, max_len=32,
                                  rel_window=4, bigram_buckets=31, bigram_dim=4),
    "bert-lexicon": lambda: BertCrfTagger(VOCAB, len(LABELS), hidden=16, layers=1, heads=2, ffn=32, max_len=32,
                                          rel_window=4, bigram_buckets=0, lexicon_buckets=16),
    "bert-conv": lambda: BertCrfTagger(VOCAB, len(LABELS), hidden=16, layers=1, heads=2, ffn=32, max_len=32,
                                       rel_window=4, bigram_buckets=31, bigram_dim=4, conv_kernel=3),
    "bilstm": lambda: BiLstmCrfTagger(VOCAB, len(LABELS), embedding_dim=8, lstm_hidden=6, bigram_buckets=31,
                                      bigram_dim=4),
    "conv": lambda: ConvCrfTagger(VOCAB, len(LABELS), hidden=16, bigram_buckets=31, bigram_dim=4),
}


def inputs():
    ids = torch.tensor([[2, 10, 11, 12, 13, 3], [2, 20, 21, 3, 0, 0]])
    return ids, (ids != 0).long()


@pytest.fixture(params=sorted(TAGGERS))
def tagger(request):
    torch.manual_seed(7)
    return TAGGERS[request.param]().eval()


def test_emissions_cover_every_piece_and_label(tagger):
    ids, attention = inputs()
    emissions = tagger(ids, attention)
    assert emissions.shape == (2, 6, len(LABELS))
    assert emissions.dtype == torch.float32
    assert torch.isfinite(emissions).all()


def test_crf_parameters_are_trainable_attributes(tagger):
    names = dict(tagger.named_parameters())
    for name, shape in (("transitions", (7, 7)), ("start_transitions", (7,)), ("end_transitions", (7,))):
        assert name in names and names[name].shape == shape, name
        assert names[name].requires_grad, name


def test_scripted_tagger_matches_eager_and_keeps_the_crf(tagger):
    ids, attention = inputs()
    scripted = torch.jit.script(tagger)
    with torch.no_grad():
        assert torch.allclose(scripted(ids, attention), tagger(ids, attention), atol=1e-5)
    assert torch.equal(scripted.transitions, tagger.transitions)
    assert torch.equal(scripted.start_transitions, tagger.start_transitions)
    assert torch.equal(scripted.end_transitions, tagger.end_transitions)


def test_emissions_depend_on_the_input(tagger):
    ids, attention = inputs()
    other = ids.clone()
    other[0, 2] = 40
    with torch.no_grad():
        assert not torch.allclose(tagger(ids, attention)[0], tagger(other, attention)[0])


def test_emissions_do_not_depend_on_padding(tagger):
    """A sentence batched with a longer one (so padded) gets the emissions it gets alone."""
    ids, attention = inputs()
    with torch.no_grad():
        batched = tagger(ids, attention)[1, :4]
        alone = tagger(ids[1:, :4], attention[1:, :4])[0]
    assert torch.allclose(batched, alone, atol=1e-5)


def test_even_convolution_width_is_refused():
    with pytest.raises(ValueError, match="odd"):
        BertCrfTagger(VOCAB, len(LABELS), hidden=16, layers=1, heads=2, ffn=32, conv_kernel=4)
