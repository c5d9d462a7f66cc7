import torch

from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.models.factory import architecture_name, build_model


def test_default_bert_has_the_shipped_state_dict_keys():
    model = BertCrfTagger(100, 7, hidden=16, layers=1, heads=2, ffn=32, bigram_buckets=64, bigram_dim=4)
    assert not any("lexicon" in k for k in model.state_dict())


def test_lexicon_buffers_travel_in_the_scripted_model(tmp_path):
    config = dict(hidden=16, layers=1, heads=2, ffn=32, bigram_buckets=64, bigram_dim=4, lexicon_buckets=32)
    model = build_model(100, config).eval()
    model.lexicon.lexicon_keys[5] = 1234
    path = str(tmp_path / "m.pt")
    torch.jit.save(torch.jit.script(model), path)
    loaded = torch.jit.load(path)
    assert int(loaded.lexicon.lexicon_keys[5]) == 1234
    ids = torch.tensor([[2, 10, 11, 3]])
    assert torch.allclose(loaded(ids, torch.ones_like(ids)), model(ids, torch.ones_like(ids)))


def test_build_model_picks_the_bilstm():
    model = build_model(100, dict(arch="bilstm", embedding_dim=8, lstm_hidden=4, bigram_buckets=16, bigram_dim=2))
    assert type(model).__name__ == "BiLstmCrfTagger"


def test_architecture_name_lists_the_levers_that_are_on():
    assert architecture_name(dict(rel_window=32, bigram_buckets=16384)) == \
        "bert-crf (pre-LN, relative position bias, hashed bigrams)"
    assert architecture_name(dict(rel_window=0, bigram_buckets=0)) == "bert-crf (pre-LN)"
    assert architecture_name(dict(arch="bilstm", bigram_buckets=8)) == "bilstm-crf (hashed bigrams)"
    assert architecture_name(dict(arch="bilstm", bigram_buckets=0)) == "bilstm-crf"
