"""alsel_py/models/export.py: TorchScript files with alsel's metadata, and initial weights."""

import zipfile

import pytest
import torch

from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.models.export import is_torchscript_file, load_initial_weights, save_torchscript
from alsel_py.tokenizer import SPECIAL_TOKENS, Vocabulary

torch.set_num_threads(1)
VOCAB = Vocabulary(SPECIAL_TOKENS + list("甲乙丙"))


def tagger():
    torch.manual_seed(0)
    return BertCrfTagger(len(VOCAB), 7, hidden=8, layers=1, heads=2, ffn=16, bigram_buckets=16, bigram_dim=2).eval()


def test_exported_file_carries_meta_and_vocabulary_and_the_weights(tmp_path):
    model = tagger()
    path = str(tmp_path / "sub" / "m.pt")
    save_torchscript(torch.jit.script(model), VOCAB, {"format": "alsel-ner-model/1", "名": "甲"}, path)
    assert is_torchscript_file(path)
    assert not (tmp_path / "sub" / "m.pt.tmp").exists()
    extra = {"alsel/meta.json": "", "alsel/vocab.txt": ""}
    torch.jit.load(path, _extra_files=extra)
    assert b'"\\u540d"' not in extra["alsel/meta.json"] and "名".encode() in extra["alsel/meta.json"]
    assert extra["alsel/vocab.txt"].decode() == VOCAB.to_text()
    weights = load_initial_weights(path, VOCAB)
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())


def test_a_checkpoint_is_not_torchscript_and_its_vocabulary_is_checked(tmp_path):
    model = tagger()
    path = str(tmp_path / "best.pt")
    torch.save({"model": model.state_dict(), "vocab": VOCAB.to_text()}, path)
    assert zipfile.is_zipfile(path) and not is_torchscript_file(path)
    assert set(load_initial_weights(path, VOCAB)) == set(model.state_dict())
    other = Vocabulary(SPECIAL_TOKENS + list("丁"))
    with pytest.raises(SystemExit, match="vocabulary differs"):
        load_initial_weights(path, other)


def test_a_text_file_is_not_torchscript(tmp_path):
    path = tmp_path / "x.pt"
    path.write_text("not a model")
    assert not is_torchscript_file(str(path))
