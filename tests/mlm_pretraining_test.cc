// Masked-LM pretraining (scripts/pretrain_mlm.py) and its hand-over to the tagger's fine-tuning
// (scripts/train_bert_crf.py --init-from encoder.pt), end to end on 240 MSRA training sentences
// with a one-layer toy configuration: resuming, the vocabulary check, the export and alsel eval.
// The F1 values of such a toy run mean nothing; the bookkeeping and the masking are checked.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_support.h"

namespace {

namespace fs = std::filesystem;
using alsel::testing::RunResult;
using alsel::testing::TempDirTest;
using alsel::testing::parse_jsonl;
using alsel::testing::read_file;
using alsel::testing::run_shell;
using alsel::testing::shared_dir;
using alsel::testing::shell_quote;
using alsel::testing::write_bio_slice;
using json = nlohmann::json;

const std::string kToyModel =
    " --hidden 64 --layers 1 --heads 2 --ffn 128 --max-len 64 --bigram-buckets 1024 --bigram-dim 8"
    " --min-word-count 1 --held-out 40 --batch-tokens 1024 --warmup 5 --log-every 5";

class MlmPretrainingTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    const fs::path train = shared_dir() / "data" / "msra" / "train.bio";
    if (!fs::exists(train)) {
      GTEST_SKIP() << "MSRA data not found at " << train << " (set ALSEL_SHARED_DIR); skipping";
    }
    // Two disjoint slices of the training split, converted on the fly (never stored).
    write_bio_slice(train, 0, 240, path("a.bio"));
    write_bio_slice(train, 240, 480, path("b.bio"));
  }

  RunResult script(const std::string& name, const std::string& args) {
    return run_shell("cd " + shell_quote(dir_.string()) + " && /usr/bin/python3 " + shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/" + name) + " " +
                         args,
                     dir_);
  }

  std::vector<json> log_events(const std::string& run_dir, const std::string& event) {
    std::vector<json> events;
    for (const json& line : parse_jsonl(read_file(path(run_dir) + "/train.log"))) {
      if (line.value("event", "") == event) events.push_back(line);
    }
    return events;
  }
};

TEST_F(MlmPretrainingTest, PretrainsResumesAndHandsTheEncoderToFineTuning) {
  const std::string mlm = "--run-dir mlm --train a.bio" + kToyModel;
  RunResult first = script("pretrain_mlm.py", mlm + " --epochs 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(fs::exists(path("mlm/encoder.pt")));
  ASSERT_EQ(log_events("mlm", "epoch").size(), 1u);

  // Started again with more epochs, it resumes after the finished epoch instead of starting over.
  RunResult second = script("pretrain_mlm.py", mlm + " --epochs 3");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::vector<json> resumes = log_events("mlm", "resume");
  ASSERT_EQ(resumes.size(), 1u);
  EXPECT_EQ(resumes[0]["epoch"], 1);
  const std::vector<json> epochs = log_events("mlm", "epoch");
  ASSERT_EQ(epochs.size(), 3u);
  const int vocab_size = log_events("mlm", "start").at(0)["vocab"].get<int>();
  for (size_t i = 0; i < epochs.size(); ++i) {
    EXPECT_EQ(epochs[i]["epoch"], static_cast<int>(i + 1));
    EXPECT_GT(epochs[i]["dev"]["masked"].get<int>(), 100) << "15% of 40 held-out sentences";
  }
  // The held-out masked-piece loss falls from epoch to epoch and ends below a uniform guess over
  // the vocabulary: the encoder learned something about the text.
  const double first_loss = epochs.front()["dev"]["loss"].get<double>();
  const double last_loss = epochs.back()["dev"]["loss"].get<double>();
  EXPECT_LT(last_loss, first_loss);
  EXPECT_LT(last_loss, std::log(static_cast<double>(vocab_size))) << "vocab " << vocab_size;

  // Fine-tuning in a run directory with the same text, split and settings takes the encoder.
  RunResult tune = script("train_bert_crf.py", "--run-dir ft --train a.bio --epochs 1 --init-from mlm/encoder.pt" +
                                                   kToyModel);
  ASSERT_EQ(tune.exit_code, 0) << tune.err;
  ASSERT_EQ(log_events("ft", "init").size(), 1u);
  EXPECT_EQ(read_file(path("ft/vocab.txt")), read_file(path("mlm/vocab.txt")));

  // Other training text means another vocabulary: refused with a message, not a silent mismatch.
  RunResult mismatch = script("train_bert_crf.py", "--run-dir other --train b.bio --epochs 1 "
                                                   "--init-from mlm/encoder.pt" + kToyModel);
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.err.find("vocabulary differs"), std::string::npos) << mismatch.err;

  // The fine-tuned model exports and alsel evaluates it.
  RunResult exported = script("train_bert_crf.py", "--run-dir ft --train a.bio --export model.pt" + kToyModel);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  RunResult eval = run({"eval", "--model", path("model.pt"), "--data", path("b.bio"), "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const json report = json::parse(eval.out);
  EXPECT_GE(report["f1"].get<double>(), 0.0);
  EXPECT_LE(report["f1"].get<double>(), 100.0);
}

// The masking rule on a large random batch: specials and padding are never chosen, every
// sentence gets a masked piece, about 15% of the pieces are chosen, of those about 80% become
// [MASK], 10% another piece and 10% stay, and the targets are the original pieces.
class MlmMaskingTest : public TempDirTest {};

TEST_F(MlmMaskingTest, MaskingFollowsTheBertRule) {
  const std::string code = R"PY(
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from pretrain_mlm import mask_pieces
g = torch.Generator().manual_seed(7)
B, T, V, MASK, FIRST = 400, 60, 500, 4, 5
ids = torch.randint(FIRST, V, (B, T), generator=g)
lengths = torch.randint(3, T + 1, (B,), generator=g)
attention = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).long()
ids[:, 0] = 2
ids[torch.arange(B), lengths - 1] = 3
ids[attention == 0] = 0
masked, chosen, targets = mask_pieces(ids, attention, 0.15, V, MASK, FIRST, g)
regular = (attention == 1) & (ids >= FIRST)
c = chosen
print(json.dumps({
  "chosen_outside_regular": int((c & ~regular).sum()),
  "rows_without_mask": int((regular.any(1) & ~c.any(1)).sum()),
  "rate": float(c.sum()) / float(regular.sum()),
  "as_mask": float((masked[c] == MASK).sum()) / float(c.sum()),
  "unchanged": float((masked[c] == ids[c]).sum()) / float(c.sum()),
  "changed_unchosen": int((masked[~c] != ids[~c]).sum()),
  "random_in_range": bool(((masked[c] == MASK) | (masked[c] >= FIRST)).all()),
  "targets_are_input": bool(torch.equal(targets, ids)),
}))
)PY";
  alsel::testing::write_file(path("check.py"), code);
  RunResult run = run_shell("/usr/bin/python3 " + shell_quote(path("check.py")) + " " +
                                shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts"),
                            dir_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json r = json::parse(run.out);
  EXPECT_EQ(r["chosen_outside_regular"], 0);
  EXPECT_EQ(r["rows_without_mask"], 0);
  EXPECT_NEAR(r["rate"].get<double>(), 0.15, 0.02);
  EXPECT_NEAR(r["as_mask"].get<double>(), 0.80, 0.04);
  // "stay" is 10% plus the rare random draw of the same piece.
  EXPECT_NEAR(r["unchanged"].get<double>(), 0.10, 0.03);
  EXPECT_EQ(r["changed_unchosen"], 0);
  EXPECT_TRUE(r["random_in_range"].get<bool>());
  EXPECT_TRUE(r["targets_are_input"].get<bool>());
}

}  // namespace
