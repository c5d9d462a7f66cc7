// Pool reader: any bytes give items (scored or rejected with a reason), never another exception.
// The first byte picks the format (JSONL or text) and the field names.
#include "alsel/util/errors.h"
#include "alsel/data/pool_reader.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static alsel::fuzz::InputFile file;
  alsel::fuzz::quiet_logging();
  if (size == 0) return 0;
  alsel::PoolReaderConfig config;
  config.format = (data[0] & 1) ? alsel::InputFormat::kText : alsel::InputFormat::kJsonl;
  if (data[0] & 2) config.text_field = "sentence";
  const std::string& path = file.write(data + 1, size - 1);
  try {
    alsel::PoolReader reader({path}, config);
    alsel::PoolItem item;
    while (reader.next(item)) {
      if (item.rejected == item.reason.empty()) __builtin_trap();  // a reject always says why
      if (!item.rejected && item.text.empty()) __builtin_trap();
      (void)alsel::format_reject_line(item);
      (void)alsel::format_reject_warning(item);
    }
  } catch (const alsel::Error&) {
  }
  return 0;
}
