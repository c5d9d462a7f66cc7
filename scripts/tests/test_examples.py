"""alsel_py/examples.py: the vocabulary, word-aligned examples, batches and their tensors."""

import random

import torch

from alsel_py.examples import Example, build_vocabulary, collate, make_batches, make_examples
from alsel_py.msra import LABELS
from alsel_py.tokenizer import CLS, SEP, SPECIAL_TOKENS, Tokenizer

torch.set_num_threads(1)


def sentence(text, tags):
    return list(text), tags.split()


def test_vocabulary_has_specials_then_characters_continuations_and_frequent_words():
    sentences = [sentence("北京abc北京", "B-LOC I-LOC O O O B-LOC I-LOC"),
                 sentence("abc", "O O O"), sentence("xy", "O O")]
    vocab = build_vocabulary(sentences, min_word_count=2)
    assert vocab.tokens[:len(SPECIAL_TOKENS)] == SPECIAL_TOKENS
    # Twice each: 北, 京 (CJK characters are words of their own), a, ##b, ##c (inside "abc") and
    # the whole word "abc" (kept: min_word_count 2); once: x, ##y ("xy" dropped). Count, then token.
    assert vocab.tokens[len(SPECIAL_TOKENS):] == ["##b", "##c", "a", "abc", "京", "北", "##y", "x"]


def test_vocabulary_order_is_count_then_token():
    vocab = build_vocabulary([sentence("乙甲甲", "O O O"), sentence("丙甲乙", "O O O")], min_word_count=5)
    assert vocab.tokens[len(SPECIAL_TOKENS):] == ["甲", "乙", "丙"]


def tokenizer_for(sentences):
    return Tokenizer(build_vocabulary(sentences, 1), do_lower_case=True, fold_fullwidth=True)


def test_examples_align_each_word_with_its_first_piece_and_tag():
    s = sentence("张三在abc", "B-PER I-PER O B-ORG I-ORG I-ORG")
    tokenizer = tokenizer_for([s])
    (e,) = make_examples([s], tokenizer, max_len=32)
    vocab = tokenizer.vocab
    assert e.ids[0] == vocab.ids[CLS] and e.ids[-1] == vocab.ids[SEP]
    # Words: 张, 三, 在 (CJK characters are words) and "abc" (one piece: the whole word is in the vocabulary).
    assert [vocab.tokens[e.ids[i]] for i in e.word_index] == ["张", "三", "在", "abc"]
    assert [LABELS[x] for x in e.labels] == ["B-PER", "I-PER", "O", "B-ORG"]
    assert e.word_spans == [(0, 1), (1, 2), (2, 3), (3, 6)]
    assert e.text_len == 6


def test_a_long_sentence_is_cut_at_word_boundaries_into_chunks_within_max_len():
    s = sentence("甲乙丙丁戊己庚辛壬癸", "B-PER I-PER O O B-LOC I-LOC O O O O")
    examples = make_examples([s], tokenizer_for([s]), max_len=6)
    assert all(len(e.ids) <= 6 for e in examples)
    assert [len(e.word_index) for e in examples] == [4, 4, 2]
    assert [LABELS[x] for e in examples for x in e.labels] == s[1]
    assert [span for e in examples for span in e.word_spans] == [(i, i + 1) for i in range(10)]


def examples_of_lengths(lengths):
    return [Example(list(range(n)), [1], [0], [(0, 1)], 1) for n in lengths]


def test_batches_stay_within_batch_tokens_and_cover_every_example_once():
    rng = random.Random(0)
    lengths = [rng.randint(3, 40) for _ in range(200)]
    examples = examples_of_lengths(lengths)
    batches = make_batches(examples, 120, None)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for b in batches:
        assert max(lengths[i] for i in b) * len(b) <= 120, b
    # Length-sorted: each batch's shortest is at least the previous batch's longest.
    for before, after in zip(batches, batches[1:]):
        assert min(lengths[i] for i in after) >= max(lengths[i] for i in before)


def test_an_example_longer_than_batch_tokens_gets_a_batch_of_its_own():
    batches = make_batches(examples_of_lengths([5, 50, 5]), 20, None)
    assert [1] in batches and sorted(i for b in batches for i in b) == [0, 1, 2]


def test_shuffling_reorders_batches_not_their_contents():
    examples = examples_of_lengths([3 + i % 17 for i in range(100)])
    plain = make_batches(examples, 60, None)
    shuffled = make_batches(examples, 60, random.Random(5))
    assert shuffled != plain
    assert sorted(map(tuple, shuffled)) == sorted(map(tuple, plain))


def test_collate_pads_pieces_and_words_and_masks_them():
    examples = [Example([2, 7, 8, 3], [1, 2], [1, 2], [(0, 1), (1, 2)], 2),
                Example([2, 9, 3], [1], [3], [(0, 1)], 1)]
    ids, attention, word_index, labels, mask = collate(examples, [1, 0])
    assert ids.tolist() == [[2, 9, 3, 0], [2, 7, 8, 3]]
    assert attention.tolist() == [[1, 1, 1, 0], [1, 1, 1, 1]]
    assert word_index.tolist() == [[1, 0], [1, 2]]
    assert labels.tolist() == [[3, 0], [1, 2]]
    assert mask.tolist() == [[True, False], [True, True]]
