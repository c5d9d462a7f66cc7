"""train_bert_crf.py end to end on a synthetic BIO file: BiLSTM with lexicon, export, a BERT
student distilled from it, resume from last.pt. Synthetic text only (no MSRA excerpts)."""

import json
import os
import random
import subprocess
import sys
import zipfile

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train_bert_crf.py")
SURNAMES, GIVEN, PLACES = "张王李赵刘陈杨黄", "伟芳娜敏静丽强磊", ["北京", "上海", "广州", "深圳", "南京"]


def write_corpus(path, n, seed):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            place = rng.choice(PLACES)
            chars = list(name + "在" + place + "工作")
            tags = ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "O"]
            f.write("".join(f"{c}\t{t}\n" for c, t in zip(chars, tags)) + "\n")


def run(*args):
    result = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def events(run_dir, kind):
    with open(os.path.join(run_dir, "train.log"), encoding="utf-8") as f:
        return [e for e in map(json.loads, f) if e["event"] == kind]


def test_bilstm_lexicon_teacher_and_distilled_student(tmp_path):
    data = str(tmp_path / "a.bio")
    write_corpus(data, 160, 1)
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("北京 10 ns\n上海 10 ns\n工作 5 vn\n", encoding="utf-8")
    common = ["--train", data, "--held-out", "40", "--held-out-split", "novel", "--batch-tokens", "400",
              "--threads", "1", "--log-every", "1000"]
    teacher_dir = str(tmp_path / "teacher")
    run("--run-dir", teacher_dir, "--arch", "bilstm", "--epochs", "2", "--lr", "1e-2", "--warmup", "5",
        "--lexicon", str(dictionary), *common)
    assert events(teacher_dir, "lexicon")[0]["words"] == 3
    assert events(teacher_dir, "precision")[0]["used"] in ("bf16", "fp32")
    teacher_model = str(tmp_path / "teacher.pt")
    run("--run-dir", teacher_dir, "--export", teacher_model, *common)
    meta = json.loads(zipfile.ZipFile(teacher_model).read(
        [n for n in zipfile.ZipFile(teacher_model).namelist() if n.endswith("alsel/meta.json")][0]))
    assert meta["architecture"]["arch"] == "bilstm"
    assert len(meta["lexicon"]["sha256"]) == 64

    student_dir = str(tmp_path / "student")
    small = ["--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--precision", "fp32"]
    run("--run-dir", student_dir, "--epochs", "1", "--teacher", teacher_model, *small, *common)
    assert len(events(student_dir, "epoch")) == 1
    # A second start with more epochs resumes from last.pt instead of starting over.
    run("--run-dir", student_dir, "--epochs", "2", "--teacher", teacher_model, *small, *common)
    assert [e["epoch"] for e in events(student_dir, "epoch")] == [1, 2]
    assert len(events(student_dir, "resume")) == 1


def test_teacher_with_another_vocabulary_is_mapped_and_evaluate_refuses_it(tmp_path):
    a, b = str(tmp_path / "a.bio"), str(tmp_path / "b.bio")
    write_corpus(a, 80, 1)
    with open(b, "w", encoding="utf-8") as f:
        f.write("甲\tB-PER\n乙\tI-PER\n\n" * 60)
    common = ["--held-out", "10", "--batch-tokens", "400", "--threads", "1", "--epochs", "1",
              "--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--precision", "fp32"]
    run("--run-dir", str(tmp_path / "t"), "--train", a, *common)
    teacher = str(tmp_path / "t" / "best.pt")
    result = subprocess.run([sys.executable, SCRIPT, "--run-dir", str(tmp_path / "s"), "--train", b,
                             "--teacher", teacher, *common], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "another vocabulary; its ids are mapped" in result.stdout + result.stderr
    assert events(str(tmp_path / "s"), "epoch")
    result = subprocess.run([sys.executable, SCRIPT, "--run-dir", str(tmp_path / "s"), "--train", b,
                             "--evaluate", teacher, *common], capture_output=True, text=True)
    assert result.returncode != 0 and "vocabulary differs" in result.stderr


def test_epoch_weights_averaged_scored_and_exported(tmp_path):
    data = str(tmp_path / "a.bio")
    write_corpus(data, 120, 2)
    run_dir = str(tmp_path / "r")
    common = ["--run-dir", run_dir, "--train", data, "--held-out", "30", "--batch-tokens", "400", "--threads", "1",
              "--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--precision", "fp32"]
    run(*common, "--epochs", "3", "--lr", "1e-2", "--warmup", "5", "--keep-epoch-weights",
        "--select-by", "seen-unseen-mean")
    epochs = events(run_dir, "epoch")
    assert [e["select_by"] for e in epochs] == ["seen-unseen-mean"] * 3
    assert all("unseen" in e["dev"] for e in epochs)
    kept = [os.path.join(run_dir, f"epoch-{i}.pt") for i in (1, 2, 3)]
    assert all(os.path.exists(p) for p in kept)
    out = json.loads(run(*common, "--average", *kept[1:], "--average-out", str(tmp_path / "avg.pt")))
    assert out["averaged"] == kept[1:] and 0.0 <= out["held_out"]["f1"] <= 100.0
    assert "unseen" in out["held_out"]
    model = str(tmp_path / "avg-model.pt")
    run(*common, "--export", model, "--checkpoint", str(tmp_path / "avg.pt"))
    meta = json.loads(zipfile.ZipFile(model).read(
        [n for n in zipfile.ZipFile(model).namelist() if n.endswith("alsel/meta.json")][0]))
    assert meta["averaged_checkpoints"] == kept[1:]
    assert meta["held_out"]["f1"] == out["held_out"]["f1"]
    # What --evaluate says of the exported average is what --average measured.
    evaluated = json.loads(run(*common, "--evaluate", model))
    assert abs(evaluated["held_out"]["f1"] - out["held_out"]["f1"]) < 1e-6
