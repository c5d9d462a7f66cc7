#!/usr/bin/python3
"""Turns the active-learning simulation's results.csv into the published table and plot.

    /usr/bin/python3 scripts/al_report.py --results runs/al-msra/results.csv --out docs/experiments/msra-al

Writes OUT/results.csv (a copy, sorted), OUT/learning-curves.png (F1 against the labeled fraction:
one line per strategy, the mean over seeds with a band of +-1 standard deviation, the full-data F1
as a horizontal line) and OUT/summary.md (the tables the README quotes: F1 mean +- std in the
article's shape, labels needed to reach 99% of the full-data F1, area under each learning curve).
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import statistics
from typing import Dict, List, Optional, Tuple

STRATEGY_ORDER = ["random", "nlc", "trimmed", "mnlp", "entropy", "ltp", "ltp-unk", "ltp-per-char",
                  "ltp-entity-cap-2"]
TITLES = {"random": "random", "nlc": "1 NLC", "trimmed": "2 trim", "mnlp": "3 MNLP",
          "entropy": "4 entropy", "ltp": "5 LTP", "ltp-unk": "6 LTP+unk", "ltp-per-char": "7 LTP/char",
          "ltp-entity-cap-2": "8 LTP, 2/entity"}
COLORS = {"random": "#7f7f7f", "nlc": "#1f77b4", "trimmed": "#17becf", "mnlp": "#2ca02c",
          "entropy": "#bcbd22", "ltp": "#d62728", "ltp-unk": "#9467bd", "ltp-per-char": "#ff7f0e",
          "ltp-entity-cap-2": "#8c564b"}
# The stabilizing-predictions rule (Bloodgood and Vijay-Shanker 2009; `alsel agreement`'s defaults).
STOP_WINDOW = 3
STOP_KAPPA = 0.99


def read(path: str) -> List[Dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["seed"] = int(r["seed"])
        r["round"] = int(r["round"])
        r["labeled_fraction"] = float(r["labeled_fraction"])
        r["labeled_sentences"] = int(r["labeled_sentences"])
        r["f1"] = float(r["f1"])
        # Cost columns (absent in results of the reduced protocol's first run).
        for key in ("labeled_chars", "batch_chars", "batch_sentences"):
            r[key] = int(r[key]) if r.get(key) else None
    return rows


def mean_std(values: List[float]) -> Tuple[float, float]:
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def curves(rows: List[Dict]) -> Dict[str, Dict[float, List[float]]]:
    """strategy -> labeled fraction -> F1 of each seed. Round 0 (the shared random start) belongs
    to every strategy."""
    by = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows:
        by[r["strategy"]][r["labeled_fraction"]].append(r["f1"])
    return by


def full_data_f1(by) -> Optional[Tuple[float, float]]:
    if "random" in by and 1.0 in by["random"]:
        return mean_std(by["random"][1.0])
    return None


def area(points: List[Tuple[float, float]], lo: float, hi: float) -> float:
    """Trapezoid area under F1(fraction) between lo and hi, divided by (hi - lo): the curve's mean F1."""
    inside = [(x, y) for x, y in points if lo - 1e-9 <= x <= hi + 1e-9]
    total = sum((x2 - x1) * (y1 + y2) / 2 for (x1, y1), (x2, y2) in zip(inside, inside[1:]))
    return total / (hi - lo)


def first_reaching(points: List[Tuple[float, float]], target: float) -> Optional[float]:
    for x, y in points:
        if y >= target:
            return x
    return None


def seed_points(rows: List[Dict], strategy: str, seed: int) -> List[Tuple[float, float]]:
    return sorted((r["labeled_fraction"], r["f1"]) for r in rows
                  if r["strategy"] == strategy and r["seed"] == seed and r["labeled_fraction"] <= 0.5 + 1e-9)


def summarize(rows: List[Dict]) -> str:
    by = curves(rows)
    strategies = [s for s in STRATEGY_ORDER if s in by]
    seeds = sorted({r["seed"] for r in rows})
    fractions = sorted({f for s in strategies for f in by[s]})
    # The 100% point labels the whole universe; without it, the estimate from a rounded fraction.
    whole = [r["labeled_sentences"] for r in rows if r["labeled_fraction"] >= 1.0]
    universe = f"{max(whole)}" if whole else f"about {max(r['labeled_sentences'] / r['labeled_fraction'] for r in rows):.0f}"
    out = []
    out.append(f"Seeds: {', '.join(map(str, seeds))}; universe {universe} sentences.\n")
    out.append("### Entity F1 (mean ± std over seeds)\n")
    out.append("| labeled | " + " | ".join(TITLES[s] for s in strategies) + " |")
    out.append("|---|" + "---|" * len(strategies))
    for f in fractions:
        cells = []
        for s in strategies:
            values = by[s].get(f)
            if not values or (f == fractions[0] and s != "random" and len(fractions) > 1):
                cells.append("-" if f != fractions[0] else "(same)")
                continue
            m, sd = mean_std(values)
            cells.append(f"{m:.2f} ± {sd:.2f} (n={len(values)})" if len(values) != len(seeds) else f"{m:.2f} ± {sd:.2f}")
        out.append(f"| {f:.0%} | " + " | ".join(cells) + " |")
    full = full_data_f1(by)
    out.append("")
    if full:
        target = 0.99 * full[0]
        out.append(f"Full-data F1 (random at 100%): {full[0]:.2f} ± {full[1]:.2f}; 99% of it = {target:.2f}.\n")
        out.extend(relative_table(by, strategies, fractions, full[0]))
        out.append("### Labels needed to reach 99% of the full-data F1, and area under the curve\n")
        out.append("Per seed, the first evaluated fraction whose F1 reaches the target (`>50%` = not "
                   "within the curve); the area is the mean F1 over 5%-50% labeled (trapezoids, per seed, "
                   "then mean ± std).\n")
        random_half = mean_std(by["random"][0.5])[0] if 0.5 in by.get("random", {}) else None
        if random_half is not None:
            out.append(f"The third column asks the same of a lower bar: random selection's mean F1 at 50% "
                       f"({random_half:.2f}).\n")
        out.append("| strategy | reaches 99% of full F1 at (per seed) | reaches random's 50% F1 at (per seed) "
                   "| mean F1 over 5-50% (AUC) | over 5-30% |")
        out.append("|---|---|---|---|---|")
        for s in strategies:
            reach, reach_random, auc, auc30 = [], [], [], []
            for seed in seeds:
                points = seed_points(rows, s, seed)
                if not points or points[-1][0] < 0.5 - 1e-9:
                    continue
                for bar, found in ((target, reach), (random_half, reach_random)):
                    x = first_reaching(points, bar) if bar is not None else None
                    found.append("{:.0%}".format(x) if x is not None else ">50%")
                auc.append(area(points, 0.05, 0.5))
                auc30.append(area(points, 0.05, 0.3))
            if not auc:
                out.append(f"| {s} | (incomplete) | | | |")
                continue
            m, sd = mean_std(auc)
            m30, sd30 = mean_std(auc30)
            out.append(f"| {s} | {', '.join(reach)} | {', '.join(reach_random)} | {m:.2f} ± {sd:.2f} "
                       f"| {m30:.2f} ± {sd30:.2f} |")
    out.extend(cost_tables(rows, strategies, seeds, full))
    out.extend(claims_table(rows, seeds, full))
    out.extend(stopping_table(rows, strategies, seeds))
    return "\n".join(out) + "\n"


def relative_table(by, strategies: List[str], fractions: List[float], full: float) -> List[str]:
    """Mean F1 as a share of the full-data F1: the saturation the article's claims are about, in a
    form that compares across regimes (a model that reaches 89 with all the data, or 85)."""
    if full <= 0:  # a model that learned nothing (the smoke protocols): no shares to give
        return []
    out = ["### F1 as a share of the full-data F1 (%, mean over seeds)\n",
           "| labeled | " + " | ".join(TITLES[s] for s in strategies) + " |", "|---|" + "---|" * len(strategies)]
    for f in fractions:
        if f >= 1.0:
            continue
        cells = []
        for s in strategies:
            values = by[s].get(f) or (by["random"].get(f) if f == fractions[0] else None)
            cells.append(f"{100 * statistics.mean(values) / full:.1f}" if values else "-")
        out.append(f"| {f:.0%} | " + " | ".join(cells) + " |")
    out.append("")
    return out


def stop_point(kappas: List[Optional[float]], window: int = STOP_WINDOW,
               threshold: float = STOP_KAPPA) -> Optional[int]:
    """Index of the first comparison at which the mean of the last `window` kappas reaches the
    threshold (every one of them measured), or None."""
    for i in range(window - 1, len(kappas)):
        last = kappas[i - window + 1:i + 1]
        if all(k is not None for k in last) and sum(last) / window >= threshold:
            return i
    return None


def stopping_table(rows: List[Dict], strategies: List[str], seeds: List[int]) -> List[str]:
    """Issue 18: kappa between consecutive rounds' models on the stop set, and where the rule stops."""
    with_kappa = [r for r in rows if r.get("stop_kappa") not in (None, "")]
    if not with_kappa:
        return []
    out = ["", "### When the stopping rule would have stopped (issue 18)\n",
           f"Cohen's kappa between the labels of consecutive rounds' models on the fixed stop set; the "
           f"rule stops at the first round where the mean of the last {STOP_WINDOW} kappas is at least "
           f"{STOP_KAPPA} (`alsel agreement`'s defaults). Final = the last evaluated round below 100%.\n",
           "| strategy | seed | kappa by round (10% ...) | stops at | labeled then (sentences / chars) "
           "| F1 then | final F1 | F1 given up |",
           "|---|---|---|---|---|---|---|---|"]
    for s in strategies:
        for seed in seeds:
            run = sorted((r for r in rows if r["strategy"] == s and r["seed"] == seed and r["round"] > 0
                          and r["labeled_fraction"] < 1.0), key=lambda r: r["round"])
            if not run or all(r.get("stop_kappa") in (None, "") for r in run):
                continue
            kappas = [float(r["stop_kappa"]) if r.get("stop_kappa") not in (None, "") else None for r in run]
            shown = ", ".join("-" if k is None else f"{k:.4f}" for k in kappas)
            final = run[-1]
            at = stop_point(kappas)
            if at is None:
                out.append(f"| {s} | {seed} | {shown} | not by {final['labeled_fraction']:.0%} | | | "
                           f"{final['f1']:.2f} | |")
                continue
            r = run[at]
            chars = f" / {int(r['labeled_chars']):,}" if r.get("labeled_chars") else ""
            out.append(f"| {s} | {seed} | {shown} | {r['labeled_fraction']:.0%} | {r['labeled_sentences']:,}{chars} "
                       f"| {r['f1']:.2f} | {final['f1']:.2f} | {final['f1'] - r['f1']:.2f} |")
    return out


def interpolate(points: List[Tuple[float, float]], x: float) -> Optional[float]:
    """F1 at x on a piecewise-linear curve of (x, F1) points sorted by x; None outside it."""
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        if x1 - 1e-9 <= x <= x2 + 1e-9:
            return y1 if x2 == x1 else y1 + (y2 - y1) * (x - x1) / (x2 - x1)
    return None


def char_curve(rows: List[Dict], strategy: str, seed: int) -> List[Tuple[float, float]]:
    """One seed's curve of (labeled characters, F1) up to 50% labeled, the shared random start
    included."""
    points = {(r["labeled_chars"], r["f1"]) for r in rows
              if r["seed"] == seed and r["labeled_chars"] and r["labeled_fraction"] <= 0.5 + 1e-9
              and (r["strategy"] == strategy or r["round"] == 0)}
    return sorted(points)


def random_chars_at(rows: List[Dict]) -> Dict[float, float]:
    """Random selection's labeled characters at each fraction of FRACTIONS_FOR_COST (mean over seeds)."""
    found = {}
    for f in FRACTIONS_FOR_COST:
        values = [r["labeled_chars"] for r in rows if r["strategy"] == "random" and abs(r["labeled_fraction"] - f) < 1e-6
                  and r["labeled_chars"]]
        if values:
            found[f] = statistics.mean(values)
    return found


def cost_tables(rows: List[Dict], strategies: List[str], seeds: List[int], full) -> List[str]:
    """The cost view (issue 19): mean length of what each strategy selects, F1 at equal labeled
    characters, and the characters needed to reach 99% of the full-data F1."""
    if not any(r.get("labeled_chars") for r in rows):
        return []
    out = ["", "### Cost: characters\n",
           "Mean length of the selected sentences (characters per sentence over the batches of rounds "
           "10%-50%, all seeds; the random start's mean for reference) and the characters labeled at 30% "
           "and 50% of the sentences (mean over seeds, thousands):\n",
           "| strategy | chars / selected sentence | labeled chars at 30% (k) | at 50% (k) |", "|---|---|---|---|"]
    start = [r for r in rows if r["round"] == 0 and r["batch_chars"]]
    for s in strategies:
        batches = [r for r in rows if r["strategy"] == s and 0 < r["round"] and r["labeled_fraction"] <= 0.5 + 1e-9
                   and r["batch_sentences"]]
        if not batches:
            continue
        length = sum(r["batch_chars"] for r in batches) / sum(r["batch_sentences"] for r in batches)
        at = {}
        for f in (0.3, 0.5):
            values = [r["labeled_chars"] for r in rows if r["strategy"] == s and abs(r["labeled_fraction"] - f) < 1e-6]
            at[f] = f"{statistics.mean(values) / 1000:.0f}" if values else "-"
        out.append(f"| {s} | {length:.1f} | {at[0.3]} | {at[0.5]} |")
    if start:
        out.append(f"| (random start, 5%) | {sum(r['batch_chars'] for r in start) / sum(r['batch_sentences'] for r in start):.1f} | | |")
    # F1 at equal characters: each seed's curve F1(labeled chars), read at the characters random
    # selection labeled at each fraction (its mean over seeds).
    random_chars = random_chars_at(rows)
    if random_chars:
        out += ["", "F1 at equal annotation cost: each seed's curve of F1 against labeled characters, read "
                "(linearly between rounds) at the characters random selection labeled at that fraction; mean ± std "
                "over seeds (`-` = the curve does not reach that many characters, or starts above them):\n",
                "| labeled chars (k) | " + " | ".join(TITLES[s] for s in strategies) + " |",
                "|---|" + "---|" * len(strategies)]
        for f, chars in sorted(random_chars.items()):
            cells = []
            for s in strategies:
                values = []
                for seed in seeds:
                    y = interpolate(char_curve(rows, s, seed), chars)
                    if y is not None:
                        values.append(y)
                if len(values) == 0:
                    cells.append("-")
                else:
                    m, sd = mean_std(values)
                    cells.append(f"{m:.2f} ± {sd:.2f}" + (f" (n={len(values)})" if len(values) != len(seeds) else ""))
            out.append(f"| {chars / 1000:.0f} (random's {f:.0%}) | " + " | ".join(cells) + " |")
    if full:
        target = 0.99 * full[0]
        out += ["", f"Characters labeled when the curve first reaches 99% of the full-data F1 ({target:.2f}), per seed "
                "(thousands; `-` = not within 5%-50%):\n", "| strategy | per seed |", "|---|---|"]
        for s in strategies:
            cells = []
            for seed in seeds:
                points = sorted((r["labeled_fraction"], r["f1"], r["labeled_chars"]) for r in rows
                                if r["strategy"] == s and r["seed"] == seed and r["labeled_fraction"] <= 0.5 + 1e-9)
                reached = next((c for _, y, c in points if y >= target and c), None)
                cells.append(f"{reached / 1000:.1f}" if reached else "-")
            out.append(f"| {s} | {', '.join(cells)} |")
    return out


FRACTIONS_FOR_COST = [0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50]
AVERAGES = ["nlc", "trimmed", "mnlp", "entropy"]  # the article's strategies 1-4: per-token measures averaged
CLAIM_ROUNDS = [0.10, 0.15, 0.20, 0.25, 0.30]     # where the article's claims about LTP live


def f1_at(rows: List[Dict], strategy: str, seed: int, fraction: float) -> Optional[float]:
    return next((r["f1"] for r in rows if r["strategy"] == strategy and r["seed"] == seed
                 and abs(r["labeled_fraction"] - fraction) < 1e-6), None)


def mean_at(rows: List[Dict], strategy: str, seeds: List[int], fraction: float) -> Optional[float]:
    """Mean F1 over the seeds at one fraction; None unless every seed has it (a comparison of two
    means is made over the same seeds)."""
    values = [f1_at(rows, strategy, seed, fraction) for seed in seeds]
    return None if any(v is None for v in values) else statistics.mean(values)


def claims(rows: List[Dict], seeds: List[int], full) -> List[Tuple[str, str, str]]:
    """The article's claims, each as (claim, evidence, verdict) over the seeds whose curves are
    complete; verdict is "holds", "fails", "partly" or "open" (not enough data yet)."""
    found = []
    target = 0.99 * full[0] if full else None
    # 1. LTP reaches 99% of the full-data F1 with at most 30% of the sentences.
    for s in ("ltp", "ltp-unk"):
        at30 = [f1_at(rows, s, seed, 0.30) for seed in seeds]
        if target is None or any(v is None for v in at30):
            found.append((f"{s}: >= 99% of the full-data F1 with <= 30% of the sentences", "", "open"))
            continue
        reached = [max(r["f1"] for r in rows if r["strategy"] == s and r["seed"] == seed
                       and r["labeled_fraction"] <= 0.30 + 1e-9) >= target for seed in seeds]
        found.append((f"{s}: >= 99% of the full-data F1 with <= 30% of the sentences",
                      f"F1 at 30%: {statistics.mean(at30):.2f} (seeds: {', '.join(f'{v:.2f}' for v in at30)}); "
                      f"99% of full-data F1 = {target:.2f}; reached by 30% on {sum(reached)} of {len(seeds)} seeds",
                      verdict(sum(reached), len(seeds), len(seeds))))
    # 2. LTP ahead of random at every round from 10% to 30%, on every seed.
    pairs = [(seed, f, f1_at(rows, "ltp", seed, f), f1_at(rows, "random", seed, f)) for seed in seeds for f in CLAIM_ROUNDS]
    if any(a is None or b is None for _, _, a, b in pairs):
        found.append(("ltp ahead of random at every round 10%-30%", "", "open"))
    else:
        margins = [a - b for _, _, a, b in pairs]
        ahead = sum(m > 0 for m in margins)
        found.append(("ltp ahead of random at every round 10%-30%",
                      f"ahead in {ahead} of {len(pairs)} (seed, round) pairs; margin {min(margins):+.2f} to "
                      f"{max(margins):+.2f}", verdict(ahead, len(pairs), len(pairs))))
    # 3. LTP and LTP+unk ahead of the averaging strategies (mean over seeds, every round 10%-50%).
    rounds = [(f, f"{f:.0%}") for f in FRACTIONS_FOR_COST]
    at_round = lambda s, f: mean_at(rows, s, seeds, f)  # noqa: E731
    for s in ("ltp", "ltp-unk"):
        ahead, known, cells = lead(rounds, at_round, s, AVERAGES)
        found.append((f"{s} ahead of the best of NLC, trimmed, MNLP, entropy (mean over seeds, 10%-50%)",
                      f"ahead at {ahead} of {known} rounds; margin over the best average: " + ", ".join(cells),
                      verdict(ahead, known, len(rounds))))
    # 4. Trimmed mean no better than NLC.
    above, known, cells = lead(rounds, at_round, "trimmed", ["nlc"])
    found.append(("trimmed no better than NLC (mean over seeds, 10%-50%)",
                  f"trimmed above NLC at {above} of {known} rounds; trimmed - NLC: " + ", ".join(cells),
                  verdict(known - above, known, len(rounds))))
    # 5. Per character (not the article's claim; issue 19's question): LTP against the best average
    # at the characters random selection labeled at each fraction.
    budgets = [(chars, f"{chars / 1000:.0f}k") for _, chars in sorted(random_chars_at(rows).items())]

    def at_chars(s, chars):
        values = [interpolate(char_curve(rows, s, seed), chars) for seed in seeds]
        return None if any(v is None for v in values) else statistics.mean(values)
    ahead, known, cells = lead(budgets, at_chars, "ltp", AVERAGES)
    if known:
        found.append(("ltp still leads per character (against the best average, at random's characters)",
                      f"ahead at {ahead} of {known} budgets; margin: " + ", ".join(cells),
                      verdict(ahead, known, known)))
    return found


def lead(points: List[Tuple[float, str]], value_of, mine: str, rivals: List[str]) -> Tuple[int, int, List[str]]:
    """At each (x, label) where every curve has a value: is `mine` above the best of `rivals`?
    Returns (points where it is, points compared, "label margin (best rival)" cells)."""
    ahead, known, cells = 0, 0, []
    for x, label in points:
        value = value_of(mine, x)
        best = [(value_of(r, x), r) for r in rivals]
        if value is None or any(v is None for v, _ in best):
            continue
        top, name = max(best)
        known += 1
        ahead += value > top
        cells.append(f"{label} {value - top:+.2f}" + (f" ({name})" if len(rivals) > 1 else ""))
    return ahead, known, cells


def verdict(good: int, known: int, expected: int) -> str:
    """holds: good at every point; open: fewer points than expected compared (curves incomplete)."""
    if known < expected or not known:
        return "open"
    return "holds" if good == known else ("partly" if good else "fails")


def complete_seeds(rows: List[Dict], seeds: List[int]) -> List[int]:
    """The seeds on which every strategy of the results has reached 50% labeled."""
    strategies = {r["strategy"] for r in rows}
    reached = {(r["strategy"], r["seed"]) for r in rows if r["labeled_fraction"] >= 0.5 - 1e-9}
    return [seed for seed in seeds if all((s, seed) in reached for s in strategies)]


def claims_table(rows: List[Dict], seeds: List[int], full) -> List[str]:
    complete = complete_seeds(rows, seeds)
    left_out = [seed for seed in seeds if seed not in complete]
    seeds = complete or seeds
    out = ["", "### The article's claims, tested\n",
           f"Computed by `al_report.py` from the rows above over seeds {', '.join(map(str, seeds))}"
           + (f" (seed {', '.join(map(str, left_out))} left out: not every curve has reached 50% yet)" if complete and left_out else "")
           + "; a claim about means compares means over the same seeds; `open` = a curve is not complete yet.\n",
           "| claim | evidence | verdict |", "|---|---|---|"]
    out += [f"| {claim} | {evidence} | **{verdict}** |" for claim, evidence, verdict in claims(rows, seeds, full)]
    return out


# The control for warm starts (issue 19): the ranking claims under warm starts and under
# retraining from scratch every round (--protocol scale-retrain), on the control's seeds and rounds.
CONTROL_PAIRS = [("ltp", ["random"], "ltp ahead of random"),
                 ("ltp", AVERAGES, "ltp ahead of the best average"),
                 ("ltp-unk", AVERAGES, "ltp-unk ahead of the best average"),
                 ("nlc", ["trimmed"], "trimmed no better than NLC")]


def concordant_pairs(warm: Dict[str, float], control: Dict[str, float]) -> Tuple[int, int, List[str]]:
    """Over the strategies both have: the pairs the two orderings put the same way round (a tie on
    one side only counts as different), the pairs compared, and the pairs whose order flips
    ("a > b -> <", "a > b -> =", "a = b -> a < b")."""
    names = [s for s in STRATEGY_ORDER if s in warm and s in control]
    same, total, flips = 0, 0, []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            total += 1
            w, c = warm[a] - warm[b], control[a] - control[b]
            if (w > 0) == (c > 0) and (w < 0) == (c < 0):
                same += 1
            elif w == 0:
                flips.append(f"{a} = {b} -> {a} {'>' if c > 0 else '<'} {b}")
            else:
                first, second = (a, b) if w > 0 else (b, a)
                flips.append(f"{first} > {second} -> {'=' if c == 0 else '<'}")
    return same, total, flips


def control_comparison(warm_rows: List[Dict], control_rows: List[Dict]) -> List[str]:
    """Markdown: F1 under warm starts and under retraining on the control's seeds and rounds, the
    share of strategy pairs ordered alike, and each ranking claim under both."""
    seeds = sorted({r["seed"] for r in control_rows})
    strategies = [s for s in STRATEGY_ORDER if any(r["strategy"] == s for r in control_rows)]
    out = ["", "### Warm starts against retraining every round (the control)\n",
           f"`--protocol scale-retrain` (every round from scratch) on seed {', '.join(map(str, seeds))}, "
           "strategies " + ", ".join(strategies) + "; each cell: F1 with warm starts / retrained. "
           "Pairs: the strategy pairs the two protocols order the same way.\n",
           "| seed | labeled | " + " | ".join(TITLES[s] for s in strategies) + " | pairs ordered alike | flips |",
           "|---|---|" + "---|" * len(strategies) + "---|---|"]
    same_all = total_all = 0
    for seed in seeds:
        for f in CLAIM_ROUNDS:
            warm = {s: v for s in strategies if (v := f1_at(warm_rows, s, seed, f)) is not None}
            control = {s: v for s in strategies if (v := f1_at(control_rows, s, seed, f)) is not None}
            if not control:
                continue
            cells = [f"{warm[s]:.2f} / {control[s]:.2f}" if s in warm and s in control else "-" for s in strategies]
            same, total, flips = concordant_pairs(warm, control)
            same_all, total_all = same_all + same, total_all + total
            out.append(f"| {seed} | {f:.0%} | " + " | ".join(cells) + f" | {same} of {total} | {'; '.join(flips) or '-'} |")
    if total_all:
        out.append(f"\nOver all rounds: {same_all} of {total_all} pairs ordered alike.\n")
    out += ["| claim (10%-30%, control's seeds) | warm starts | retrained |", "|---|---|---|"]
    points = [((seed, f), f"{seed}/{f:.0%}") for seed in seeds for f in CLAIM_ROUNDS]
    for mine, rivals, claim in CONTROL_PAIRS:
        present = [r for r in rivals if r in strategies]
        if not present or mine not in strategies:
            continue
        cells = []
        for rows in (warm_rows, control_rows):
            ahead, known, _ = lead(points, lambda s, key: f1_at(rows, s, key[0], key[1]), mine, present)
            cells.append(f"{verdict(ahead, known, known)} ({ahead} of {known})")  # trimmed: NLC ahead of it
        if cells:
            label = claim + (f" (of {', '.join(present)})" if len(rivals) > 1 else "")
            out.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return out


def plot_by_chars(rows: List[Dict], path: str, title: str):
    """F1 against labeled characters: per strategy and round, the mean over seeds of both."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows:
        if r.get("labeled_chars") and r["labeled_fraction"] <= 0.5 + 1e-9:
            by[r["strategy"]][r["round"]].append((r["labeled_chars"], r["f1"]))
    strategies = [s for s in STRATEGY_ORDER if s in by]
    start = by["random"].get(0) if "random" in by else None
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    for s in strategies:
        rounds = sorted(by[s])
        if s != "random" and start and 0 not in by[s]:
            by[s][0] = start
            rounds = [0] + rounds
        xs = [statistics.mean(c for c, _ in by[s][i]) / 1000 for i in rounds]
        means = [statistics.mean(f for _, f in by[s][i]) for i in rounds]
        sds = [statistics.stdev([f for _, f in by[s][i]]) if len(by[s][i]) > 1 else 0.0 for i in rounds]
        ax.plot(xs, means, marker="o", markersize=3.5, linewidth=1.6, color=COLORS.get(s), label=TITLES[s])
        ax.fill_between(xs, [m - d for m, d in zip(means, sds)], [m + d for m, d in zip(means, sds)],
                        color=COLORS.get(s), alpha=0.12, linewidth=0)
    finish_plot(fig, ax, full_data_f1(curves(rows)), "labeled characters (thousands)", "entity F1 on the test set",
                title, path)


def finish_plot(fig, ax, full, xlabel: str, ylabel: str, title: str, path: str):
    """The full-data line and band, labels, legend; saved atomically to `path`."""
    if full:
        ax.axhline(full[0], color="black", linestyle="--", linewidth=1.1, label=f"full data (100%): {full[0]:.1f}")
        ax.axhspan(full[0] - full[1], full[0] + full[1], color="black", alpha=0.06, linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, path)


def plot(rows: List[Dict], path: str, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = curves(rows)
    strategies = [s for s in STRATEGY_ORDER if s in by]
    start = min(min(by[s]) for s in strategies)
    start_values = by["random"].get(start) if "random" in by else None
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    colors = COLORS
    for s in strategies:
        xs = sorted(f for f in by[s] if f <= 0.5 + 1e-9)
        if s != "random" and start_values and start not in by[s]:
            xs = [start] + xs
        means, lows, highs = [], [], []
        for x in xs:
            values = by[s].get(x) or start_values
            m, sd = mean_std(values)
            means.append(m)
            lows.append(m - sd)
            highs.append(m + sd)
        xs100 = [100 * x for x in xs]
        ax.plot(xs100, means, marker="o", markersize=3.5, linewidth=1.6, color=colors.get(s), label=TITLES[s])
        ax.fill_between(xs100, lows, highs, color=colors.get(s), alpha=0.12, linewidth=0)
    finish_plot(fig, ax, full_data_f1(by), "labeled part of the pool (%)", "entity F1 on the test subset", title, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="Active learning on MSRA with alsel (reduced protocol, mean ± std over seeds)")
    parser.add_argument("--control", metavar="RESULTS", default=None,
                        help="results.csv of --protocol scale-retrain: adds the comparison of warm starts with "
                             "retraining (ranking of the strategies, the claims under both) to summary.md")
    args = parser.parse_args()
    rows = read(args.results)
    os.makedirs(args.out, exist_ok=True)
    rows.sort(key=lambda r: (STRATEGY_ORDER.index(r["strategy"]), r["seed"], r["round"]))
    with open(args.results, newline="") as f:
        fields = next(csv.reader(f))
    with open(os.path.join(args.out, "results.csv.tmp"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r[k] for k in fields})
    os.replace(os.path.join(args.out, "results.csv.tmp"), os.path.join(args.out, "results.csv"))
    summary = summarize(rows)
    if args.control:
        summary += "\n".join(control_comparison(rows, read(args.control))) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write(summary)
    plot(rows, os.path.join(args.out, "learning-curves.png"), args.title)
    if any(r.get("labeled_chars") for r in rows):
        plot_by_chars(rows, os.path.join(args.out, "learning-curves-chars.png"),
                      args.title.replace("mean ± std", "by characters, mean ± std"))
    print(summary)


if __name__ == "__main__":
    main()
