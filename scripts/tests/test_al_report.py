"""al_report.py's test of the article's claims (claims()), on made-up curves whose verdicts are
known: each claim is checked both ways."""

import al_report

FRACTIONS = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50]
STRATEGIES = ["random", "nlc", "trimmed", "mnlp", "entropy", "ltp", "ltp-unk"]


def make_rows(f1, chars_per_sentence=None, seeds=(1, 2), universe=1000):
    """f1(strategy, seed, fraction) -> F1 (round 0, the shared random start: random's); the
    selected sentences have chars_per_sentence[strategy] characters (50 by default)."""
    rows = []
    for seed in seeds:
        for s in STRATEGIES:
            for round_index, fraction in enumerate(FRACTIONS + ([1.0] if s == "random" else [])):
                sentences = int(fraction * universe)
                length = (chars_per_sentence or {}).get(s, 50) if round_index else 50
                rows.append({"strategy": s, "seed": seed, "round": round_index, "labeled_fraction": fraction,
                             "labeled_sentences": sentences, "f1": 90.0 if fraction == 1.0 else f1(s if round_index else "random", seed, fraction),
                             "labeled_chars": 50 * int(0.05 * universe) + length * (sentences - int(0.05 * universe)),
                             "batch_chars": None, "batch_sentences": None})
    return rows


RANK = {"random": 0.0, "trimmed": 1.0, "nlc": 2.0, "mnlp": 2.0, "entropy": 2.0, "ltp": 3.0, "ltp-unk": 3.5}


def verdicts(rows):
    by = al_report.curves(rows)
    return {claim: (evidence, verdict) for claim, evidence, verdict in
            al_report.claims(rows, [1, 2], al_report.full_data_f1(by))}


def find(found, start):
    return next(v for k, v in found.items() if k.startswith(start))


def test_the_article_ranking_holds_and_saturation_is_measured():
    # Every curve rises 1 point per 1%; LTP is 3 above random; full data 90 (99% = 89.1).
    found = verdicts(make_rows(lambda s, seed, f: 50 + 100 * f + RANK[s]))
    assert find(found, "ltp ahead of random")[1] == "holds"
    assert find(found, "ltp ahead of the best")[1] == "holds"
    assert find(found, "ltp-unk ahead of the best")[1] == "holds"
    assert find(found, "trimmed no better")[1] == "holds"
    assert find(found, "ltp: >= 99%")[1] == "fails"  # 83 at 30%
    saturated = verdicts(make_rows(lambda s, seed, f: min(90.0, 60 + 100 * f) + RANK[s] / 10))
    assert find(saturated, "ltp: >= 99%")[1] == "holds"


def test_each_claim_can_fail():
    # trimmed best of all, random ahead of LTP on seed 2 only.
    def f1(s, seed, f):
        value = 50 + 100 * f + {"trimmed": 5.0, "random": 4.0 if seed == 2 else 0.0}.get(s, RANK[s])
        return value
    found = verdicts(make_rows(f1))
    assert find(found, "ltp ahead of random")[1] == "partly"
    assert find(found, "ltp ahead of the best")[1] == "fails"
    assert find(found, "trimmed no better")[1] == "fails"


def test_per_character_lead_depends_on_what_ltp_selects():
    f1 = lambda s, seed, f: 50 + 100 * f + RANK[s]  # noqa: E731
    # LTP picks sentences twice as long as everyone else: behind at equal characters.
    long_ltp = verdicts(make_rows(f1, {"ltp": 100}))
    assert find(long_ltp, "ltp still leads per character")[1] == "fails"
    same_length = verdicts(make_rows(f1))
    assert find(same_length, "ltp still leads per character")[1] == "holds"


def test_missing_rounds_leave_a_claim_open():
    rows = [r for r in make_rows(lambda s, seed, f: 50 + 100 * f + RANK[s])
            if not (r["strategy"] == "ltp" and r["seed"] == 2 and r["labeled_fraction"] > 0.2)]
    found = verdicts(rows)
    assert find(found, "ltp ahead of random")[1] == "open"
    assert find(found, "ltp ahead of the best")[1] == "open"
    assert find(found, "ltp: >= 99%")[1] == "open"


def test_shares_of_the_full_data_f1():
    rows = make_rows(lambda s, seed, f: 45.0 + (seed - 1) * 9.0 if f == 0.30 else 30.0)  # full data: 90
    table = "\n".join(al_report.relative_table(al_report.curves(rows), STRATEGIES, FRACTIONS, 90.0))
    assert "| 30% | 55.0 | 55.0 |" in table  # mean of 45 and 54, over 90
    assert "| 5% | 33.3 |" in table
    assert "100%" not in table


def test_claims_leave_out_a_seed_whose_curves_are_incomplete():
    rows = make_rows(lambda s, seed, f: 50 + 100 * f + RANK[s], seeds=(1, 2, 3))
    rows = [r for r in rows if not (r["seed"] == 3 and r["strategy"] == "ltp" and r["labeled_fraction"] > 0.1)]
    assert al_report.complete_seeds(rows, [1, 2, 3]) == [1, 2]
    table = "\n".join(al_report.claims_table(rows, [1, 2, 3], al_report.full_data_f1(al_report.curves(rows))))
    assert "over seeds 1, 2 (seed 3 left out" in table
    assert "**open**" not in table


def test_no_shares_of_a_zero_full_data_f1():
    rows = make_rows(lambda s, seed, f: 0.0)
    assert al_report.relative_table(al_report.curves(rows), STRATEGIES, FRACTIONS, 0.0) == []


def control_rows(f1, strategies=("random", "nlc", "trimmed", "ltp", "ltp-unk"), seed=1):
    """A scale-retrain control: rounds 0-5 (5%-30%) of `strategies` on one seed."""
    return [{"strategy": s, "seed": seed, "round": i, "labeled_fraction": f, "labeled_sentences": int(f * 1000),
             "f1": f1(s, f), "labeled_chars": None, "batch_chars": None, "batch_sentences": None}
            for s in strategies for i, f in enumerate(FRACTIONS[:6])]


def claim_row(lines, start):
    return next(line for line in lines if line.startswith("| " + start))


def test_control_with_the_same_ranking_keeps_every_claim():
    warm = make_rows(lambda s, seed, f: 50 + 100 * f + RANK[s])
    lines = al_report.control_comparison(warm, control_rows(lambda s, f: 40 + 100 * f + 2 * RANK[s]))
    assert "Over all rounds: 50 of 50 pairs ordered alike." in "\n".join(lines)
    assert claim_row(lines, "ltp ahead of random") == "| ltp ahead of random | holds (5 of 5) | holds (5 of 5) |"
    assert "holds (5 of 5) | holds (5 of 5)" in claim_row(lines, "trimmed no better")


def test_control_that_reorders_strategies_shows_the_flips_and_the_changed_verdict():
    warm = make_rows(lambda s, seed, f: 50 + 100 * f + RANK[s])
    # Retrained, random overtakes LTP at 10% and 15%, and trimmed overtakes NLC everywhere.
    lines = al_report.control_comparison(warm, control_rows(
        lambda s, f: 50 + 100 * f + {"random": 5.0 if f < 0.2 else 0.0, "trimmed": 2.5}.get(s, RANK[s])))
    text = "\n".join(lines)
    assert "ltp > random -> <" in text and "nlc > trimmed -> <" in text
    assert "Over all rounds: 50 of 50" not in text
    assert claim_row(lines, "ltp ahead of random") == "| ltp ahead of random | holds (5 of 5) | partly (3 of 5) |"
    assert "holds (5 of 5) | fails (0 of 5)" in claim_row(lines, "trimmed no better")


def test_ties_on_both_sides_are_alike_and_a_tie_on_one_side_is_a_flip():
    assert al_report.concordant_pairs({"nlc": 70.0, "ltp": 70.0}, {"nlc": 60.0, "ltp": 60.0}) == (1, 1, [])
    assert al_report.concordant_pairs({"nlc": 70.0, "ltp": 71.0}, {"nlc": 60.0, "ltp": 60.0}) == \
        (0, 1, ["ltp > nlc -> ="])
    assert al_report.concordant_pairs({"nlc": 70.0, "ltp": 70.0}, {"nlc": 61.0, "ltp": 60.0}) == \
        (0, 1, ["nlc = ltp -> nlc > ltp"])
