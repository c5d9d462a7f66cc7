// Exclude-file readers (id lists, JSONL, JSON task arrays): entries or an InputError.
#include "alsel/util/errors.h"
#include "alsel/selection/exclusion_set.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static alsel::fuzz::InputFile file;
  alsel::fuzz::quiet_logging();
  const std::string& path = file.write(data, size);
  try {
    alsel::ExclusionSet set(alsel::ExclusionMatch::kIdOrText);
    set.add_exclude_file(path);
    set.add_exclude_file(path, "uid", "sentence");
  } catch (const alsel::Error&) {
  }
  return 0;
}
