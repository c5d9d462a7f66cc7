// The ablation switches of scripts/train_bert_crf.py that models/README.md's lever table uses:
// --bigram-buckets 0 (no bigram features), --rel-window 0 (no relative position information),
// --head softmax (per-word softmax loss, CRF held at zero) and --token-dropout (pieces replaced by
// [UNK] in training). Checked on the model code with random
// weights, and end to end: a toy run with all three switches trains, exports and alsel evaluates
// the exported file.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_test_support.h"

namespace {

namespace fs = std::filesystem;
using alsel::testing::RunResult;
using alsel::testing::TempDirTest;
using alsel::testing::run_shell;
using alsel::testing::shared_dir;
using alsel::testing::shell_quote;
using json = nlohmann::json;

class TrainAblationTest : public TempDirTest {
 protected:
  json run_python(const std::string& code) {
    alsel::testing::write_file(path("check.py"), code);
    RunResult r = run_shell("/usr/bin/python3 " + shell_quote(path("check.py")) + " " +
                                shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts") + " " + shell_quote(dir_.string()),
                            dir_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object();
  }
};

// Changing the bigram table changes the emissions of a model with bigrams and leaves those of a
// model without them unchanged; --rel-window 0 leaves one bias per head, which softmax ignores, so
// the emissions do not depend on it. Both models script for TorchScript.
TEST_F(TrainAblationTest, SwitchedOffFeaturesDoNotReachTheEmissions) {
  const json r = run_python(R"PY(
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from alsel_py.models.bert_tagger import BertCrfTagger
torch.manual_seed(3)
ids = torch.randint(5, 300, (3, 20))
attention = torch.ones_like(ids)
attention[1, 12:] = 0
out = {}
for name, buckets, window in (("bigrams", 512, 8), ("no_bigrams", 0, 0)):
    model = BertCrfTagger(300, 7, hidden=32, layers=1, heads=2, ffn=64, max_len=32, rel_window=window,
                          bigram_buckets=buckets, bigram_dim=8, dropout=0.0).eval()
    scripted = torch.jit.script(model)
    with torch.no_grad():
        before = scripted(ids, attention)
        model.bigram_embedding.weight.normal_()
        after_bigrams = model(ids, attention)
        model.layers[0].attention.rel_bias.weight.normal_()
        after_rel = model(ids, attention)
    out[name] = {"bigram_change": float((after_bigrams - before).abs().max()),
                 "rel_change": float((after_rel - after_bigrams).abs().max())}
print(json.dumps(out))
)PY");
  ASSERT_TRUE(r.contains("bigrams")) << r.dump();
  EXPECT_GT(r["bigrams"]["bigram_change"].get<double>(), 1e-3);
  EXPECT_GT(r["bigrams"]["rel_change"].get<double>(), 1e-3);
  EXPECT_LT(r["no_bigrams"]["bigram_change"].get<double>(), 1e-6);
  EXPECT_LT(r["no_bigrams"]["rel_change"].get<double>(), 1e-5);
}

// With transitions, start and end at zero the CRF factorizes into independent words: its negative
// log-likelihood equals the per-word softmax loss, and Viterbi decoding is the per-word argmax.
// freeze_crf_at_zero also takes the CRF parameters out of training.
TEST_F(TrainAblationTest, SoftmaxHeadIsTheCrfAtZero) {
  const json r = run_python(R"PY(
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from alsel_py.models.bert_tagger import BertCrfTagger
from alsel_py.models.crf import (crf_negative_log_likelihood, crf_viterbi, freeze_crf_at_zero,
                                 softmax_negative_log_likelihood)
torch.manual_seed(5)
model = BertCrfTagger(50, 7, hidden=16, layers=1, heads=2, ffn=32, max_len=32, rel_window=4,
                      bigram_buckets=64, bigram_dim=4)
emissions = torch.randn(4, 9, 7)
tags = torch.randint(0, 7, (4, 9))
lengths = torch.tensor([9, 5, 1, 7])
mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
crf_before = float(crf_negative_log_likelihood(emissions, tags, mask, model))
freeze_crf_at_zero(model)
crf = float(crf_negative_log_likelihood(emissions, tags, mask, model))
softmax = float(softmax_negative_log_likelihood(emissions, tags, mask))
paths = crf_viterbi(emissions, mask, model)
argmax = [emissions[i, :int(lengths[i])].argmax(-1).tolist() for i in range(4)]
print(json.dumps({"crf_before": crf_before, "crf": crf, "softmax": softmax, "viterbi_is_argmax": paths == argmax,
                  "frozen": not any(p.requires_grad for p in (model.transitions, model.start_transitions,
                                                              model.end_transitions)),
                  "zero": float(model.transitions.abs().sum() + model.start_transitions.abs().sum()
                                + model.end_transitions.abs().sum())}))
)PY");
  ASSERT_TRUE(r.contains("crf")) << r.dump();
  EXPECT_NEAR(r["crf"].get<double>(), r["softmax"].get<double>(), 1e-4);
  // The random initial CRF is not at zero: the identity above is a property of the frozen head.
  EXPECT_GT(std::abs(r["crf_before"].get<double>() - r["softmax"].get<double>()), 1e-3);
  EXPECT_TRUE(r["viterbi_is_argmax"].get<bool>());
  EXPECT_TRUE(r["frozen"].get<bool>());
  EXPECT_EQ(r["zero"].get<double>(), 0.0);
}

// --token-dropout: about the given share of the regular pieces becomes [UNK]; [CLS], [SEP] and
// padding never do, the other pieces are unchanged, and rate 0 changes nothing.
TEST_F(TrainAblationTest, TokenDropoutReplacesRegularPiecesOnly) {
  const json r = run_python(R"PY(
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from alsel_py.examples import drop_tokens
torch.manual_seed(11)
B, T, UNK, FIRST = 300, 50, 1, 5
ids = torch.randint(FIRST, 400, (B, T))
lengths = torch.randint(3, T + 1, (B,))
attention = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).long()
ids[:, 0] = 2
ids[torch.arange(B), lengths - 1] = 3
ids[attention == 0] = 0
dropped = drop_tokens(ids, attention, 0.2, UNK, FIRST)
regular = (attention == 1) & (ids >= FIRST)
changed = dropped != ids
print(json.dumps({"rate": float(changed.sum()) / float(regular.sum()),
                  "changed_outside_regular": int((changed & ~regular).sum()),
                  "changed_to_other_than_unk": int((changed & (dropped != UNK)).sum()),
                  "rate0_identical": bool(torch.equal(drop_tokens(ids, attention, 0.0, UNK, FIRST), ids))}))
)PY");
  ASSERT_TRUE(r.contains("rate")) << r.dump();
  EXPECT_NEAR(r["rate"].get<double>(), 0.2, 0.02);
  EXPECT_EQ(r["changed_outside_regular"], 0);
  EXPECT_EQ(r["changed_to_other_than_unk"], 0);
  EXPECT_TRUE(r["rate0_identical"].get<bool>());
}

// A toy run with every switch off trains, keeps the CRF at zero through training, exports with an
// architecture record that says so, and alsel loads and evaluates the file.
TEST_F(TrainAblationTest, AblatedModelTrainsExportsAndEvaluates) {
  const fs::path train = shared_dir() / "data" / "msra" / "train.bio";
  if (!fs::exists(train)) {
    GTEST_SKIP() << "MSRA data not found at " << train << " (set ALSEL_SHARED_DIR); skipping";
  }
  alsel::testing::write_bio_slice(train, 0, 150, path("a.bio"));  // converted on the fly, never stored
  const std::string flags =
      " --run-dir run --train a.bio --hidden 32 --layers 1 --heads 2 --ffn 64 --max-len 64 --min-word-count 1"
      " --held-out 30 --batch-tokens 1024 --warmup 3 --bigram-buckets 0 --rel-window 0";
  const std::string script = "cd " + shell_quote(dir_.string()) + " && /usr/bin/python3 " +
                             shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/train_bert_crf.py");
  RunResult trained = run_shell(script + flags + " --epochs 2 --head softmax --token-dropout 0.1", dir_);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  RunResult exported = run_shell(script + flags + " --export model.pt", dir_);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  const json r = run_python(R"PY(
import json, sys, torch, os
files = {"alsel/meta.json": ""}
model = torch.jit.load(os.path.join(sys.argv[2], "model.pt"), _extra_files=files)
meta = json.loads(files["alsel/meta.json"])
print(json.dumps({"transitions": float(model.transitions.abs().sum() + model.start_transitions.abs().sum()
                                       + model.end_transitions.abs().sum()),
                  "type": meta["architecture"]["type"], "buckets": meta["architecture"]["bigram_buckets"]}))
)PY");
  ASSERT_TRUE(r.contains("type")) << r.dump();
  EXPECT_EQ(r["transitions"].get<double>(), 0.0) << "the CRF stayed at zero through two epochs";
  EXPECT_EQ(r["type"], "bert-crf (pre-LN)");
  EXPECT_EQ(r["buckets"], 0);

  RunResult eval = run({"eval", "--model", path("model.pt"), "--data", path("a.bio"), "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json report = json::parse(eval.out);
  EXPECT_GE(report["f1"].get<double>(), 0.0);
  EXPECT_LE(report["f1"].get<double>(), 100.0);
}

}  // namespace
