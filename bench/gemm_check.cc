// Which BLAS does libtorch use here, and how close does its sgemm get to the machine's peak?
//
//   alsel_gemm_check [--seconds 2] [--threads N]
//
// Prints one JSON object: libtorch's build configuration (at::show_config()), its default
// thread count, the OpenBLAS build it resolved (openblas_get_config / corename, looked up at
// run time because libtorch links libblas.so.3, which Debian's alternatives may point
// elsewhere) and the measured GFLOP/s of at::mm in float32 for square and model-shaped
// matrices, with one thread and with all threads, and the core clock measured with a chain of
// dependent adds. FLOPs per product of (M, K) x (K, N): 2 M N K. The machine's peak is derived
// by bench/bench_summarize.py from lscpu and that clock.
#include <dlfcn.h>
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

// OpenBLAS entry points, resolved from whatever library libtorch loaded; null if absent.
struct OpenBlas {
  void (*set_num_threads)(int) = nullptr;
  int (*get_num_threads)() = nullptr;
  char* (*get_config)() = nullptr;
  char* (*get_corename)() = nullptr;

  OpenBlas() {
    set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    get_num_threads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    get_config = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    get_corename = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  }
};

// Library that defines `symbol` (dladdr), e.g. where sgemm_ comes from.
std::string library_of(const char* symbol) {
  void* address = dlsym(RTLD_DEFAULT, symbol);
  if (address == nullptr) return "";
  Dl_info info;
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  return info.dli_fname;
}

// The core clock actually running, in GHz: a chain of dependent integer adds retires one add per
// cycle, so adds per second = cycles per second. (Under a hypervisor /proc/cpuinfo shows the
// nominal clock, not the boost clock that GEMM runs at.)
double measured_clock_ghz() {
  constexpr int64_t kIterations = 100'000'000;
  double best = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    uint64_t value = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < kIterations; ++i) {
      // 8 dependent adds per iteration: 8 cycles, whatever the loop's own overhead (issued in parallel).
      asm volatile(
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
          "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
          : "+r"(value));
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, 8.0 * kIterations / elapsed / 1e9);
  }
  return best;
}

// Best GFLOP/s of C = A B over repetitions filling about `seconds`.
double gemm_gflops(int64_t m, int64_t k, int64_t n, double seconds) {
  torch::Tensor a = torch::randn({m, k});
  torch::Tensor b = torch::randn({k, n});
  torch::Tensor c = torch::empty({m, n});
  at::mm_out(c, a, b);  // warm-up: thread pools, packing buffers
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  double best = 0;
  const auto begin = std::chrono::steady_clock::now();
  int runs = 0;
  while (runs < 3 || std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count() < seconds) {
    const auto start = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, flops / elapsed / 1e9);
    ++runs;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  int all_threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (flag == "--threads") all_threads = std::stoi(argv[i + 1]);
  }
  torch::NoGradGuard no_grad;
  OpenBlas openblas;
  nlohmann::json result;
  result["tool"] = "alsel_gemm_check";
  result["libtorch_default_threads"] = at::get_num_threads();
  result["hardware_concurrency"] = std::thread::hardware_concurrency();
  result["measured_clock_ghz"] = measured_clock_ghz();
  result["libtorch_config"] = at::show_config();
  result["sgemm_library"] = library_of("sgemm_");
  result["cblas_sgemm_library"] = library_of("cblas_sgemm");
  if (openblas.get_config) result["openblas_config"] = std::string(openblas.get_config());
  if (openblas.get_corename) result["openblas_corename"] = std::string(openblas.get_corename());
  if (openblas.get_num_threads) result["openblas_default_threads"] = openblas.get_num_threads();

  // Square products, and the shapes of the model's largest GEMMs for an 8192-token batch
  // (hidden 256, FFN 1024): (8192 x 256) x (256 x 1024) and back.
  const std::vector<std::vector<int64_t>> shapes = {
      {1024, 1024, 1024}, {2048, 2048, 2048}, {8192, 256, 1024}, {8192, 1024, 256}, {8192, 256, 768}};
  for (int threads : {1, all_threads}) {
    at::set_num_threads(threads);
    if (openblas.set_num_threads) openblas.set_num_threads(threads);
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& shape : shapes) {
      runs.push_back({{"m", shape[0]}, {"k", shape[1]}, {"n", shape[2]},
                      {"gflops", gemm_gflops(shape[0], shape[1], shape[2], seconds)}});
    }
    result["threads_" + std::to_string(threads)] = runs;
  }
  std::cout << result.dump(1) << std::endl;
  return 0;
}
