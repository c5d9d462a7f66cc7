import random

from alsel_py.splits import entity_strings, novel_held_out, random_held_out


def sentence(text, tags):
    return list(text), tags.split()


def corpus():
    """Names shared across sentences: 张三 in 0 and 1, 北京 in 2..9 (a large group), rare ones."""
    out = [sentence("张三来", "B-PER I-PER O"), sentence("张三去", "B-PER I-PER O")]
    out += [sentence("北京好", "B-LOC I-LOC O") for _ in range(8)]
    out += [sentence(f"{c}某到", "B-PER I-PER O") for c in "赵钱孙李周吴郑王"]
    out += [sentence("今天好", "O O O") for _ in range(10)]
    return out


def test_random_split_is_the_legacy_draw():
    rng = random.Random(13)
    order = list(range(100))
    rng.shuffle(order)
    assert random_held_out(100, 10, 13) == sorted(order[:10])


def test_novel_split_shares_no_entity_with_the_remaining_sentences():
    sentences = corpus()
    for seed in range(20):
        held = set(novel_held_out(sentences, 8, seed, max_group=3))
        assert len(held) == 8
        remaining = {e for i, s in enumerate(sentences) if i not in held for e in entity_strings(s)}
        for i in held:
            assert not set(entity_strings(sentences[i])) & remaining, (seed, i)
        assert not held & set(range(2, 10)), "a group larger than max_group was taken"


def test_novel_split_keeps_the_entity_free_proportion():
    sentences = corpus()  # 10 of 28 sentences have no entity
    held = novel_held_out(sentences, 14, 1, max_group=3)
    free = [i for i in held if not entity_strings(sentences[i])]
    assert len(free) == round(14 * 10 / 28)
