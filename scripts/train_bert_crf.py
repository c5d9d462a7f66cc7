#!/usr/bin/python3
"""Train alsel's default NER model: a small BERT encoder with a CRF head, from scratch, on MSRA.

    /usr/bin/python3 scripts/train_bert_crf.py --run-dir runs/msra \\
        --train ../shared/data/msra/train.bio --epochs 30
    /usr/bin/python3 scripts/train_bert_crf.py --run-dir runs/msra --export models/msra-bert3-crf.pt \\
        --test ../shared/data/msra/test.bio

The run directory holds the vocabulary, the held-out split, a progress log (train.log, one JSON
line per event), `last.pt` (written every --checkpoint-minutes and at each epoch's end: a killed
run resumes from it when started again with the same --run-dir) and `best.pt` (best held-out F1).

Model contract (docs/model-format.md): forward(input_ids int64[B,T], attention_mask int64[B,T])
-> emissions float[B,T,L] over the whole wordpiece sequence, [CLS] and [SEP] included; the CRF
(pytorch-crf convention: transitions[from, to], start_transitions, end_transitions) runs over
word positions only, each word represented by its first wordpiece. Tokenization is alsel's
(scripts/alsel_py/tokenizer.py, checked against the C++ tokenizer by the parity test).

Architecture levers (all inside forward(), so the contract stays the same):
  * hashed character bigrams (left and right) added to the token embeddings;
  * clipped relative-position attention biases (direction- and distance-aware, as in TENER);
  * pre-LayerNorm transformer layers, GELU, learned absolute positions.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import time
from typing import Optional

import torch
import torch.nn as nn

from alsel_py.averaging import average_state_dicts
from alsel_py.bio import read_bio
from alsel_py.distill import crf_marginals, expected_negative_log_likelihood
from alsel_py.evaluation import evaluate, seen_unseen_mean
from alsel_py.examples import collate, drop_tokens, make_batches, make_examples
from alsel_py.lexicon import build_table, cjk_piece_ids, file_sha256, read_dictionary
from alsel_py.mentions import MentionReplacer, dictionary_names, training_names
from alsel_py.models.crf import (crf_negative_log_likelihood, freeze_crf_at_zero, softmax_negative_log_likelihood,
                                 word_emissions)
from alsel_py.models.export import is_torchscript_file, load_initial_weights, save_torchscript
from alsel_py.models.factory import architecture_name, build_model, model_config
from alsel_py.msra import LABELS, msra_dir
from alsel_py.precision import autocast_context, resolve_precision
from alsel_py.tokenizer import SPECIAL_TOKENS, UNK, Vocabulary
from alsel_py.vocab_remap import VocabularyRemap
from alsel_py.training import (add_common_arguments, atomic_torch_save, learning_rate, log_event, make_optimizer,
                               optimizer_step, prepare)


def load_lexicon(args, vocab: Vocabulary):
    """--lexicon: the dictionary's hash table over this vocabulary (keys, classes) and a record of
    what it is (path, SHA-256, counts) for the log and meta.json; sets args.lexicon_buckets.
    None without --lexicon."""
    if not getattr(args, "lexicon", None):
        return None
    keys, classes, counts = build_table(read_dictionary(args.lexicon), cjk_piece_ids(vocab.ids),
                                        args.lexicon_max_word, 8)
    args.lexicon_buckets = counts["buckets"]
    info = dict(counts, path=args.lexicon, sha256=file_sha256(args.lexicon), max_word=args.lexicon_max_word,
                classes="PER: nr nrfg nrt; LOC: ns nsf; ORG: nt; OTHER: the rest; roles B M E")
    return keys, classes, info


def train(args):
    torch.set_num_threads(args.threads)
    vocab, tokenizer, train_sentences, dev_sentences = prepare(args)
    train_examples = make_examples(train_sentences, tokenizer, args.max_len)
    dev_examples = make_examples(dev_sentences, tokenizer, args.max_len)
    lexicon = load_lexicon(args, vocab)
    torch.manual_seed(args.seed)
    model = build_model(len(vocab), model_config(args))
    if lexicon is not None:
        model.lexicon.fill(lexicon[0], lexicon[1])
    lexicon_info = lexicon[2] if lexicon is not None else None
    teacher = load_frozen_model(args.teacher, vocab, remap=True) if args.teacher else None
    precision = resolve_precision(args.precision)
    optimizer = make_optimizer(model, args.lr, args.weight_decay)
    steps_per_epoch = len(make_batches(train_examples, args.batch_tokens, None))
    total_steps = steps_per_epoch * args.epochs
    # best_f1 holds the best --select-by score (the name is kept so older last.pt files resume).
    state = {"epoch": 0, "batch": 0, "step": 0, "best_f1": -1.0, "history": [], "seconds": 0.0}
    last_path = os.path.join(args.run_dir, "last.pt")
    if os.path.exists(last_path):
        checkpoint = torch.load(last_path)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        state = checkpoint["state"]
        log_event(args.run_dir, event="resume", **{k: state[k] for k in ("epoch", "batch", "step")})
    else:
        if args.init_from:
            # Continue from earlier weights (a best.pt checkpoint or an exported TorchScript model)
            # with a fresh optimizer and schedule, e.g. for more epochs in a later session.
            # encoder.pt (scripts/pretrain_mlm.py) carries a masked-LM-pretrained encoder.
            model.load_state_dict(load_initial_weights(args.init_from, vocab))
            log_event(args.run_dir, event="init", init_from=args.init_from)
        n_params = sum(p.numel() for p in model.parameters())
        log_event(args.run_dir, event="start", parameters=n_params, vocab=len(vocab),
                  train_examples=len(train_examples), dev_examples=len(dev_examples),
                  steps_per_epoch=steps_per_epoch, args=vars(args))
    log_event(args.run_dir, event="precision", requested=args.precision, used=precision)
    if lexicon_info is not None:
        log_event(args.run_dir, event="lexicon", **lexicon_info)

    if args.head == "softmax":
        freeze_crf_at_zero(model)

    def save_last():
        atomic_torch_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                           "state": state, "config": model_config(args)}, last_path)

    replacer = make_mention_replacer(args, train_sentences)
    seen_names = seen_name_sets(train_sentences)
    model.train()
    last_save = time.time()
    while state["epoch"] < args.epochs:
        if replacer is not None:
            # --mention-replace: this epoch's copy of the training sentences, the same on a resume.
            train_examples = make_examples(replacer.epoch(train_sentences, args.seed * 1000 + state["epoch"]),
                                           tokenizer, args.max_len)
        batches = make_batches(train_examples, args.batch_tokens, random.Random(args.seed * 1000 + state["epoch"]))
        epoch_loss, epoch_words, started = 0.0, 0, time.time()
        torch.manual_seed(args.seed * 1000 + state["epoch"] * 7 + state["batch"])
        while state["batch"] < len(batches):
            ids, attention, word_index, labels, mask = collate(train_examples, batches[state["batch"]])
            clean_ids = ids
            ids = drop_tokens(ids, attention, args.token_dropout, vocab.ids[UNK], len(SPECIAL_TOKENS))
            with autocast_context(precision):
                emissions = word_emissions(model, ids, attention, word_index)
            emissions = emissions.float()  # the CRF loss runs in float32 under any precision
            words = int(mask.sum())
            if args.head == "crf":
                loss = crf_negative_log_likelihood(emissions, labels, mask, model) / words
            else:
                loss = softmax_negative_log_likelihood(emissions, labels, mask) / words
            if teacher is not None:
                loss = (1 - args.distill_weight) * loss + args.distill_weight * distillation_loss(
                    teacher, model, clean_ids, attention, word_index, emissions, mask, precision) / words
            optimizer_step(optimizer, loss, model.parameters(),
                           learning_rate(state["step"], total_steps, args.lr, args.warmup), args.clip)
            epoch_loss += float(loss) * words
            epoch_words += words
            state["batch"] += 1
            state["step"] += 1
            if state["step"] % args.log_every == 0:
                log_event(args.run_dir, event="progress", epoch=state["epoch"], batch=state["batch"],
                          of=len(batches), step=state["step"], loss=round(epoch_loss / max(1, epoch_words), 4),
                          lr=round(optimizer.param_groups[0]["lr"], 6))
            if time.time() - last_save > args.checkpoint_minutes * 60:
                state["seconds"] += time.time() - started
                started = time.time()
                save_last()
                last_save = time.time()
        state["seconds"] += time.time() - started
        dev = evaluate(model, dev_examples, args.batch_tokens * 2, seen_names)
        state["epoch"] += 1
        state["batch"] = 0
        state["history"].append({"epoch": state["epoch"], "dev": dev, "loss": epoch_loss / max(1, epoch_words)})
        score = selection_score(dev, args.select_by)
        weights = {"model": model.state_dict(), "config": model_config(args), "epoch": state["epoch"], "dev": dev,
                   "lexicon": lexicon_info}
        if args.keep_epoch_weights:
            atomic_torch_save(weights, os.path.join(args.run_dir, f"epoch-{state['epoch']}.pt"))
        if score > state["best_f1"]:
            state["best_f1"] = score
            atomic_torch_save(weights, os.path.join(args.run_dir, "best.pt"))
        save_last()
        last_save = time.time()
        log_event(args.run_dir, event="epoch", epoch=state["epoch"], dev=dev, select_by=args.select_by,
                  score=round(score, 4), best_score=state["best_f1"],
                  train_hours=round(state["seconds"] / 3600, 3))


def seen_name_sets(train_sentences):
    """type -> the entity strings of that type in the training sentences (what "unseen" is against)."""
    return {kind: set(names) for kind, names in training_names(train_sentences).items()}


def selection_score(dev, select_by: str) -> float:
    """--select-by: what picks best.pt among the epochs (the held-out split's F1, or its mean with
    the unseen-name F1 of alsel_py.evaluation.seen_unseen_mean)."""
    return dev["f1"] if select_by == "f1" else seen_unseen_mean(dev)


def make_mention_replacer(args, train_sentences) -> Optional[MentionReplacer]:
    """--mention-replace RATE: the replacer of alsel_py/mentions.py over the training sentences'
    names and, with --mention-dictionary, jieba's; None when the rate is 0."""
    if args.mention_replace <= 0.0:
        return None
    seen = training_names(train_sentences)
    dictionary = dictionary_names(args.mention_dictionary) if args.mention_dictionary else None
    log_event(args.run_dir, event="mention-replace", rate=args.mention_replace,
              seen={t: len(v) for t, v in seen.items()},
              dictionary=None if dictionary is None else {t: len(v) for t, v in dictionary.items()},
              dictionary_share=args.mention_dictionary_share if dictionary else 0.0,
              dictionary_sha256=file_sha256(args.mention_dictionary) if dictionary else None)
    return MentionReplacer(seen, dictionary, args.mention_replace,
                           args.mention_dictionary_share if dictionary else 0.0)


def load_frozen_model(path: str, vocab: Vocabulary, remap: bool = False) -> nn.Module:
    """--teacher and --evaluate: an exported TorchScript model (alsel/vocab.txt inside) or a run's best.pt /
    last.pt (vocab.txt beside it); frozen, in eval mode. Its vocabulary must be this run's unless `remap`
    (--teacher), which reads it through VocabularyRemap (alsel_py/vocab_remap.py)."""
    if is_torchscript_file(path):
        extra = {"alsel/vocab.txt": ""}
        teacher = torch.jit.load(path, _extra_files=extra)
        teacher_vocab = extra["alsel/vocab.txt"]
        teacher_vocab = teacher_vocab.decode("utf-8") if isinstance(teacher_vocab, bytes) else teacher_vocab
    else:
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), "vocab.txt"), encoding="utf-8", newline="") as f:
            teacher_vocab = f.read()
    same_vocabulary = teacher_vocab == vocab.to_text()
    if not same_vocabulary and not remap:
        raise SystemExit(f"{path}: the model's vocabulary differs from this run's vocab.txt "
                         "(use the same --train, --held-out, --held-out-split, --seed and --min-word-count)")
    if not is_torchscript_file(path):
        checkpoint = torch.load(path)
        teacher = build_model(len(Vocabulary.from_text(teacher_vocab)), checkpoint["config"])
        teacher.load_state_dict(checkpoint["model"])
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    if same_vocabulary:
        return teacher
    remapped = VocabularyRemap(teacher, vocab, Vocabulary.from_text(teacher_vocab))
    print(f"{path}: another vocabulary; its ids are mapped from this run's "
          f"({remapped.missing} of {len(vocab)} pieces are [UNK] to it)", flush=True)
    return remapped


def distillation_loss(teacher: nn.Module, model: nn.Module, ids, attention, word_index, emissions: torch.Tensor,
                      mask: torch.Tensor, precision: str) -> torch.Tensor:
    """Sum over the batch of the student's expected NLL under the teacher's CRF posterior
    (alsel_py/distill.py); the teacher reads the pieces before token dropout."""
    with torch.no_grad(), autocast_context(precision):
        teacher_emissions = word_emissions(teacher, ids, attention, word_index)
    unary, pair = crf_marginals(teacher_emissions.float(), mask, teacher.start_transitions,
                                teacher.transitions, teacher.end_transitions)
    return expected_negative_log_likelihood(emissions, mask, model.start_transitions, model.transitions,
                                            model.end_transitions, unary, pair)


def held_out_scores(model, args, tokenizer, train_sentences, dev_sentences, max_len: int):
    """F1 and unseen-name F1 on the held-out split, as every epoch logs them."""
    return evaluate(model, make_examples(dev_sentences, tokenizer, max_len), args.batch_tokens * 2,
                    seen_name_sets(train_sentences))


def evaluate_held_out(args):
    """--evaluate MODEL: the held-out scores an epoch of this run logs, for a model made elsewhere
    (e.g. a shipped one, to compare a new recipe's unseen-name F1 with)."""
    torch.set_num_threads(args.threads)
    vocab, tokenizer, train_sentences, dev_sentences = prepare(args)
    dev = held_out_scores(load_frozen_model(args.evaluate, vocab), args, tokenizer, train_sentences, dev_sentences,
                          args.max_len)
    print(json.dumps({"model": args.evaluate, "held_out": dev, "seen_unseen_mean": seen_unseen_mean(dev)}))


def average_checkpoints(args):
    """--average CKPT... --average-out OUT: the mean of the checkpoints' weights (epoch-N.pt files of
    one run, from --keep-epoch-weights), scored on this run's held-out split like an epoch, written
    as OUT in best.pt's format (so --export --checkpoint OUT exports it)."""
    if not args.average_out:
        raise SystemExit("--average needs --average-out OUT")
    torch.set_num_threads(args.threads)
    vocab, tokenizer, train_sentences, dev_sentences = prepare(args)
    checkpoints = [torch.load(path) for path in args.average]
    config = checkpoints[0]["config"]
    if any(c["config"] != config for c in checkpoints):
        raise SystemExit("--average: the checkpoints' model configurations differ")
    model = build_model(len(vocab), config)
    try:
        model.load_state_dict(average_state_dicts([c["model"] for c in checkpoints]))
    except ValueError as error:
        raise SystemExit(f"--average: {error}")
    dev = held_out_scores(model, args, tokenizer, train_sentences, dev_sentences, config["max_len"])
    atomic_torch_save({"model": model.state_dict(), "config": config, "epoch": checkpoints[-1]["epoch"], "dev": dev,
                       "lexicon": checkpoints[0].get("lexicon"), "averaged": list(args.average)}, args.average_out)
    print(json.dumps({"averaged": args.average, "out": args.average_out, "held_out": dev,
                      "seen_unseen_mean": seen_unseen_mean(dev)}))


def export(args):
    torch.set_num_threads(args.threads)
    vocab, tokenizer, _, dev_sentences = prepare(args)
    checkpoint = torch.load(args.checkpoint or os.path.join(args.run_dir, "best.pt"))
    model = build_model(len(vocab), checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    model.eval()
    test_result = None
    if args.test:
        test_result = evaluate(model, make_examples(read_bio(args.test), tokenizer, checkpoint["config"]["max_len"]),
                               args.batch_tokens * 2)
    scripted = torch.jit.script(model)
    n_params = sum(p.numel() for p in model.parameters())
    meta = {
        "format": "alsel-ner-model/1",
        "name": os.path.splitext(os.path.basename(args.export))[0],
        "labels": LABELS,
        "max_len": checkpoint["config"]["max_len"],
        "do_lower_case": True,
        "strip_accents": True,
        "fold_fullwidth": True,
        "crf": True,
        "architecture": dict(checkpoint["config"], type=architecture_name(checkpoint["config"]),
                             parameters=n_params),
        "training_data": {"train": os.path.basename(args.train), "held_out_sentences": len(dev_sentences),
                          "source": "MSRA NER, SIGHAN 2006 bakeoff 3"},
        "trained_epochs": checkpoint["epoch"],
        "averaged_checkpoints": checkpoint.get("averaged"),
        "lexicon": checkpoint.get("lexicon"),
        "held_out": checkpoint["dev"],
        "test": test_result,
        "date": datetime.date.today().isoformat(),
    }
    save_torchscript(scripted, vocab, meta, args.export)
    print(json.dumps({"exported": args.export, "bytes": os.path.getsize(args.export), "parameters": n_params,
                      "held_out": checkpoint["dev"], "test": test_result}, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True, help="checkpoints, vocabulary, split and log")
    parser.add_argument("--train", default=os.path.join(msra_dir(), "train.bio"))
    parser.add_argument("--test", default=None, help="BIO file evaluated at export (final number only)")
    parser.add_argument("--export", default=None, help="write the TorchScript model here and exit")
    parser.add_argument("--checkpoint", default=None, help="--export: the weights to export (default RUN_DIR/best.pt)")
    parser.add_argument("--keep-epoch-weights", action="store_true",
                        help="also write each epoch's weights as RUN_DIR/epoch-N.pt (for --average)")
    parser.add_argument("--average", nargs="+", default=None, metavar="CKPT",
                        help="average these checkpoints' weights (epoch-N.pt of this run), score the mean on the "
                             "held-out split, write it to --average-out and exit")
    parser.add_argument("--average-out", default=None, metavar="OUT", help="where --average writes its checkpoint")
    parser.add_argument("--evaluate", default=None, metavar="MODEL",
                        help="print MODEL's held-out F1 and unseen-name F1 on this run's split (a TorchScript "
                             "model with this run's vocabulary, or a best.pt/last.pt) and exit")
    parser.add_argument("--init-from", default=None,
                        help="start from these weights (best.pt/last.pt, encoder.pt from pretrain_mlm.py, or an exported model); vocabulary must match")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--head", choices=("crf", "softmax"), default="crf",
                        help="training loss: the CRF's, or per-word softmax with the CRF held at zero (ablation)")
    parser.add_argument("--token-dropout", type=float, default=0.0,
                        help="probability that a training piece is replaced by [UNK] (default 0: off)")
    parser.add_argument("--mention-replace", type=float, default=0.0,
                        help="probability that a training entity is replaced, every epoch anew, by another "
                             "name of its type (alsel_py/mentions.py; default 0: off)")
    parser.add_argument("--select-by", choices=("f1", "seen-unseen-mean"), default="f1",
                        help="what picks best.pt: held-out F1, or the mean of held-out F1 and held-out F1 on "
                             "names that are no training entity (unseen names, which the random split holds few of)")
    parser.add_argument("--mention-dictionary", default=None, metavar="DICT",
                        help="with --mention-replace: also draw names from this jieba-format dictionary "
                             "(nr/nrfg/nrt, ns/nsf, nt)")
    parser.add_argument("--mention-dictionary-share", type=float, default=0.5,
                        help="with --mention-dictionary: share of replacements drawn from it")
    parser.add_argument("--teacher", default=None,
                        help="distill from this CRF model's marginals on the training text (exported .pt or a "
                             "run's best.pt). A teacher trained on another split has another vocabulary: this run's ids are "
                             "mapped to its pieces ([UNK] where it lacks one)")
    parser.add_argument("--distill-weight", type=float, default=0.5,
                        help="with --teacher: loss = (1 - w) * CRF NLL of the gold tags + w * expected NLL under the teacher")
    parser.add_argument("--arch", choices=("bert", "bilstm"), default="bert",
                        help="bert: the 3-layer BERT-CRF (default); bilstm: the BiLSTM-CRF yardstick")
    parser.add_argument("--embedding-dim", type=int, default=128, help="bilstm: character embedding size")
    parser.add_argument("--lstm-hidden", type=int, default=200, help="bilstm: LSTM units per direction")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto",
                        help="training forward pass: auto = bfloat16 autocast where the CPU has avx512_bf16 "
                             "or amx_bf16, else float32; the CRF loss and evaluation are always float32")
    add_common_arguments(parser)
    args = parser.parse_args()
    if args.export:
        export(args)
    elif args.evaluate:
        evaluate_held_out(args)
    elif args.average:
        average_checkpoints(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
