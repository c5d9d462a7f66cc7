"""Mention replacement (alsel_py/mentions.py): what changes, what stays, and determinism."""

import random

from alsel_py.bio import spans_from_tags
from alsel_py.mentions import MentionReplacer, dictionary_names, training_names


def sentence(text, tags):
    return list(text), tags.split()


SENTENCES = [
    sentence("张三在北京", "B-PER I-PER O B-LOC I-LOC"),
    sentence("李四去新华社上班", "B-PER I-PER O B-ORG I-ORG I-ORG O O"),
    sentence("今天下雨", "O O O O"),
]


def test_training_names_are_the_distinct_entities_by_type():
    names = training_names(SENTENCES + [sentence("张三好", "B-PER I-PER O")])
    assert names == {"PER": ["张三", "李四"], "LOC": ["北京"], "ORG": ["新华社"]}


def test_every_entity_replaced_at_rate_one_context_and_types_kept():
    seen = {"PER": ["王小明"], "LOC": ["上海"], "ORG": ["联合国"]}
    replacer = MentionReplacer(seen, None, rate=1.0, dictionary_share=0.0)
    chars, tags = replacer.replace(SENTENCES[1], random.Random(1))
    assert "".join(chars) == "王小明去联合国上班"
    assert tags == "B-PER I-PER I-PER O B-ORG I-ORG I-ORG O O".split()
    assert [k for _, _, k in spans_from_tags(tags)] == ["PER", "ORG"]
    # a sentence without entities, and rate 0, come back unchanged
    assert replacer.replace(SENTENCES[2], random.Random(1)) == SENTENCES[2]
    assert MentionReplacer(seen, None, 0.0, 0.0).replace(SENTENCES[0], random.Random(1)) == SENTENCES[0]


def test_epochs_are_deterministic_by_seed_and_differ_between_seeds():
    seen = {"PER": [f"人{i}名" for i in range(50)], "LOC": ["上海", "广州"], "ORG": ["联合国"]}
    replacer = MentionReplacer(seen, None, rate=0.5, dictionary_share=0.0)
    many = SENTENCES * 20
    assert replacer.epoch(many, 7) == replacer.epoch(many, 7)
    assert replacer.epoch(many, 7) != replacer.epoch(many, 8)
    changed = sum(a != b for a, b in zip(replacer.epoch(many, 7), many))
    assert 0 < changed < len(many)


def test_dictionary_names_by_class_and_share(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("欧阳锋 3 nr\n桃花岛 5 ns\n丐帮 2 nt\n吃饭 9 v\nAB 3 nr\n长 1 nr\n", encoding="utf-8")
    names = dictionary_names(str(path))
    assert names == {"PER": ["欧阳锋"], "LOC": ["桃花岛"], "ORG": ["丐帮"]}
    only_dictionary = MentionReplacer({"PER": ["张三"], "LOC": ["北京"], "ORG": ["新华社"]}, names, 1.0, 1.0)
    chars, _ = only_dictionary.replace(SENTENCES[0], random.Random(3))
    assert "".join(chars) == "欧阳锋在桃花岛"
