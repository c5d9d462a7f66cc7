// --precision: the names, what auto resolves to on each kind of machine, the CPU flags reader,
// and the cache key, which must keep bf16 and fp32 scores apart.
#include "alsel/model/precision.h"

#include <gtest/gtest.h>

#include "alsel/util/errors.h"
#include "alsel/scoring/score_cache.h"
#include "pipeline_test_support.h"
#include "scratch_dir.h"

namespace alsel {
namespace {

TEST(PrecisionTest, AutoIsBf16OnlyWithNativeBf16AndOneDnn) {
  const std::set<std::string> zen4 = {"avx2", "avx512f", "avx512_bf16"};
  const std::set<std::string> sapphire_rapids = {"avx512f", "amx_tile", "amx_bf16"};
  const std::set<std::string> plain = {"avx2", "avx512f"};
  EXPECT_EQ(resolve_precision("auto", false, zen4, true).precision, "bf16");
  EXPECT_EQ(resolve_precision("auto", false, zen4, true).reason, "auto: the CPU has avx512_bf16");
  EXPECT_EQ(resolve_precision("auto", false, sapphire_rapids, true).reason, "auto: the CPU has amx_bf16");
  EXPECT_EQ(resolve_precision("auto", false, plain, true).precision, "fp32");
  EXPECT_EQ(resolve_precision("auto", false, zen4, false).precision, "fp32");  // no oneDNN
  EXPECT_EQ(resolve_precision("auto", true, zen4, true).precision, "fp32");    // CUDA: ask
  EXPECT_EQ(resolve_precision("fp32", false, zen4, true).precision, "fp32");
  EXPECT_EQ(resolve_precision("fp16", true, plain, true).precision, "fp16");
  // Explicit bf16 without the hardware: honoured, with a warning.
  const PrecisionChoice emulated = resolve_precision("bf16", false, plain, true);
  EXPECT_EQ(emulated.precision, "bf16");
  EXPECT_NE(emulated.warning.find("emulated"), std::string::npos);
  EXPECT_TRUE(resolve_precision("bf16", false, zen4, true).warning.empty());
  EXPECT_THROW(resolve_precision("fp16", false, zen4, true), UsageError);
  EXPECT_THROW(resolve_precision("int8", false, zen4, true), UsageError);
}

TEST(PrecisionTest, ReadsTheFirstProcessorsFlags) {
  testing::ScratchDir dir;
  const std::string path = dir.write("cpuinfo",
                                     "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512_bf16\n\n"
                                     "processor\t: 1\nflags\t\t: fpu amx_bf16\n");
  const std::set<std::string> flags = cpu_flags(path);
  EXPECT_EQ(flags, (std::set<std::string>{"fpu", "avx2", "avx512_bf16"}));
  EXPECT_EQ(native_bf16_flag(flags), "avx512_bf16");
  EXPECT_TRUE(cpu_flags(dir.file("missing")).empty());
  EXPECT_EQ(native_bf16_flag({"avx2"}), "");
}

TEST(PrecisionTest, ModelOptionsRejectUnknownPrecisionsAndFp16OnCpu) {
  ModelOptions options;
  options.path = "m.pt";
  for (const std::string& name : precision_names()) {
    options.precision = name;
    if (name == "fp16") {
      EXPECT_THROW(options.validate(), UsageError);
      options.device = "cuda";
      EXPECT_NO_THROW(options.validate());
      options.device = "cpu";
    } else {
      EXPECT_NO_THROW(options.validate()) << name;
    }
  }
  options.precision = "half";
  EXPECT_THROW(options.validate(), UsageError);
}

// A FakeModel that says it computes in another precision.
class PrecisionFake : public testing::FakeModel {
 public:
  PrecisionFake(std::string precision) : FakeModel(16), precision_(std::move(precision)) {}
  std::string precision() const override { return precision_; }

 private:
  std::string precision_;
};

TEST(PrecisionTest, TheCacheKeyKeepsPrecisionsApartAndFp32KeysUnchanged) {
  InferenceConfig config;
  config.window_overlap = 8;
  const CacheKey fp32 = make_cache_key(PrecisionFake("fp32"), "abc", config);
  const CacheKey bf16 = make_cache_key(PrecisionFake("bf16"), "abc", config);
  EXPECT_NE(fp32.digest(), bf16.digest());
  EXPECT_NE(bf16.to_string().find("precision=bf16\n"), std::string::npos);
  EXPECT_EQ(fp32.to_string().find("precision="), std::string::npos) << "fp32 keys must stay as before";
  EXPECT_EQ(make_cache_key(testing::FakeModel(16), "abc", config).digest(), fp32.digest());
}

}  // namespace
}  // namespace alsel
