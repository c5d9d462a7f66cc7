// Autocast around one forward pass (--precision bf16 / fp16, precision.h) for the libtorch code
// (src/model/torch/, bench/), restoring the thread's previous state: autocast is thread-local, and
// forward passes run on several threads at once.
//
//   { alsel::AutocastGuard autocast("bf16", /*cuda=*/false); module.forward(inputs); }
#pragma once

#include <ATen/autocast_mode.h>

#include <string>

namespace alsel {

class AutocastGuard {
 public:
  AutocastGuard(const std::string& precision, bool cuda) : active_(precision != "fp32"), cuda_(cuda) {
    if (!active_) return;
    const at::ScalarType type = precision == "fp16" ? at::kHalf : at::kBFloat16;
    if (cuda_) {
      was_enabled_ = at::autocast::is_enabled();
      was_type_ = at::autocast::get_autocast_gpu_dtype();
      at::autocast::set_autocast_gpu_dtype(type);
      at::autocast::set_enabled(true);
    } else {
      was_enabled_ = at::autocast::is_cpu_enabled();
      was_type_ = at::autocast::get_autocast_cpu_dtype();
      at::autocast::set_autocast_cpu_dtype(type);
      at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!active_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (cuda_) {
      at::autocast::set_enabled(was_enabled_);
      at::autocast::set_autocast_gpu_dtype(was_type_);
    } else {
      at::autocast::set_cpu_enabled(was_enabled_);
      at::autocast::set_autocast_cpu_dtype(was_type_);
    }
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_, cuda_;
  bool was_enabled_ = false;
  at::ScalarType was_type_ = at::kBFloat16;
};

}  // namespace alsel
