from alsel_py.reference import FORBIDDEN_EMISSION, forbid_entity_labels, never_entity_word


def test_never_entity_word_follows_alsels_rule():
    assert never_entity_word("😀", unknown=False)          # a symbol alone
    assert never_entity_word("★", unknown=False)
    assert not never_entity_word("🏆华", unknown=False)     # a letter keeps every label
    assert not never_entity_word("１２３", unknown=False)    # numbers are not symbols
    assert not never_entity_word("张", unknown=False)
    assert never_entity_word("、", unknown=True)            # unknown and no letter
    assert not never_entity_word("张", unknown=True)        # unknown letters keep their labels
    assert not never_entity_word("、", unknown=False)       # known punctuation is left to the model


def test_forbid_entity_labels_lowers_all_but_outside_in_flagged_rows_only():
    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    got = forbid_entity_labels(rows, [False, True], outside=0)
    assert got[0] == [1.0, 2.0, 3.0]
    assert got[1] == [4.0, 4.0 - FORBIDDEN_EMISSION, 4.0 - FORBIDDEN_EMISSION]
