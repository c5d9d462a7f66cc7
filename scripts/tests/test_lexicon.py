import torch

from alsel_py.lexicon import CLASSES, ROLES, LexiconFeatures, build_table, cjk_piece_ids, read_dictionary

NAMES = [role + "-" + cls for role in ROLES for cls in CLASSES]
VOCAB = {c: i for i, c in enumerate("[PAD] [UNK] [CLS] [SEP]".split() + list("周小川北京在会见日内瓦人民银行"))}


def features_of(model, text):
    ids = torch.tensor([[VOCAB["[CLS]"]] + [VOCAB[c] for c in text] + [VOCAB["[SEP]"]]])
    f = model(ids)[0]
    return [sorted(NAMES[j] for j in range(12) if f[i, j] > 0) for i in range(1, len(text) + 1)]


def table(entries, max_word=10):
    keys, classes, counts = build_table(entries, cjk_piece_ids(VOCAB), max_word, 8)
    model = LexiconFeatures(counts["buckets"], max_word, 8)
    model.fill(keys, classes)
    return model, counts


def test_words_mark_begin_middle_and_end_by_class():
    model, counts = table([("周小川", 0), ("北京", 1), ("人民银行", 2), ("会见", 3), ("日内瓦", 1)])
    assert counts["words"] == 5 and counts["dropped"] == 0
    got = features_of(model, "周小川在北京会见")
    assert got == [["B-PER"], ["M-PER"], ["E-PER"], [], ["B-LOC"], ["E-LOC"], ["B-OTHER"], ["E-OTHER"]]


def test_a_word_of_two_classes_sets_both_and_unknown_characters_are_skipped():
    model, counts = table([("北京", 1), ("北京", 2), ("北海", 1), ("x北", 3), ("北", 3)])
    assert counts["words"] == 1 and counts["skipped"] == 3  # 北海: 海 not in the vocabulary
    assert features_of(model, "北京") == [["B-LOC", "B-ORG"], ["E-LOC", "E-ORG"]]


def test_words_longer_than_max_word_are_left_out():
    model, counts = table([("人民银行", 2), ("银行", 3)], max_word=3)
    assert counts["words"] == 1
    assert features_of(model, "人民银行") == [[], [], ["B-OTHER"], ["E-OTHER"]]


def test_scripted_module_matches_and_takes_inputs_shorter_than_max_word():
    model, _ = table([("周小川", 0), ("北京", 1)])
    scripted = torch.jit.script(model)
    for length in (1, 2, 5, 12):
        ids = torch.randint(0, len(VOCAB), (3, length))
        assert torch.equal(scripted(ids), model(ids))
        assert scripted(ids).shape == (3, length, 12)


def test_read_dictionary_maps_jieba_tags(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("周小川 3 nr\n北京 10 ns\n央行 5 nt\n会见 7 v\n无标 1\n", encoding="utf-8")
    assert read_dictionary(str(path)) == [("周小川", 0), ("北京", 1), ("央行", 2), ("会见", 3), ("无标", 3)]
