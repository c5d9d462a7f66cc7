// Inference precision (--precision): what the model's forward pass computes in.
//
//   auto  bf16 where the CPU computes bfloat16 natively (the avx512_bf16 or amx_bf16 flag of
//         /proc/cpuinfo) and libtorch has oneDNN, fp32 elsewhere and on CUDA
//   fp32  float32 throughout
//   bf16  autocast to bfloat16 around the forward pass (CPU or CUDA); on a CPU without native
//         bfloat16 it is emulated, and slower (a warning says so)
//   fp16  autocast to float16: CUDA only
//
// Emissions always reach alsel as float32; the CRF, marginals and measures run in double
// precision whatever the choice. The resolved precision is logged, recorded in the manifest and
// part of the score-cache key: a bf16 score is never served to an fp32 run.
//
//   alsel::PrecisionChoice choice = alsel::resolve_precision("auto", false, alsel::cpu_flags(), true);
//   // choice.precision == "bf16", choice.reason == "auto: the CPU has amx_bf16"
#pragma once

#include <set>
#include <string>
#include <vector>

namespace alsel {

// The names --precision accepts.
std::vector<std::string> precision_names();

struct PrecisionChoice {
  std::string precision;  // fp32 | bf16 | fp16
  std::string reason;     // why, for the log: "auto: the CPU has avx512_bf16", "asked", ...
  std::string warning;    // non-empty when the choice will be slow or is unusual
};

// The `flags` of the first processor in `cpuinfo_path` (empty where unreadable).
std::set<std::string> cpu_flags(const std::string& cpuinfo_path = "/proc/cpuinfo");

// The first of avx512_bf16, amx_bf16 in `flags`, or "" without native bfloat16.
std::string native_bf16_flag(const std::set<std::string>& flags);

// Resolves `requested` (precision_names()) for a device (`cuda`), the CPU's flags and whether
// libtorch was built with oneDNN. Throws UsageError for an unknown name and for fp16 on the CPU.
PrecisionChoice resolve_precision(const std::string& requested, bool cuda, const std::set<std::string>& flags,
                                  bool onednn);

}  // namespace alsel
