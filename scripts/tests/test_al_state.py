"""al_experiment.py --pack-state / --unpack-state: every finished round comes back as it was,
the 100% point (the whole universe in its own order) included."""

import json
import os

import pytest

import al_experiment


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f)


def make_work(root, full_point_ids):
    work = str(root / "work")
    write(os.path.join(work, "protocol.json"), {"protocol": "scale"})
    write(os.path.join(work, "seed-1", "round-00", "done.json"), {"f1": 40.0, "labeled_ids": ["train-3", "train-1"]})
    write(os.path.join(work, "seed-1", "random", "round-01", "done.json"),
          {"f1": 50.0, "labeled_ids": ["train-3", "train-1", "train-7"]})
    write(os.path.join(work, "seed-1", "random", "round-02", "done.json"), {"f1": 80.0, "labeled_ids": full_point_ids})
    return work


def done_files(work):
    found = {}
    for directory, _, files in os.walk(work):
        if "done.json" in files:
            with open(os.path.join(directory, "done.json")) as f:
                found[os.path.relpath(directory, work)] = json.load(f)
    return found


def test_round_trip_keeps_every_round_and_the_full_point_order(tmp_path):
    work = make_work(tmp_path, ["train-0", "train-1", "train-2", "train-3", "train-7", "train-9"])
    state = str(tmp_path / "state.json.gz")
    al_experiment.pack_state(work, state)
    restored = str(tmp_path / "restored")
    al_experiment.unpack_state(restored, state)
    assert done_files(restored) == done_files(work)
    assert len(done_files(work)) == 3


def test_a_round_that_drops_labeled_sentences_is_refused(tmp_path):
    work = make_work(tmp_path, ["train-0", "train-1", "train-9"])  # train-3 and train-7 lost
    with pytest.raises(SystemExit, match="neither extend nor contain"):
        al_experiment.pack_state(work, str(tmp_path / "state.json.gz"))
