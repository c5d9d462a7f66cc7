// Labeled data readers (BIO/CoNLL, doccano JSONL in code points and UTF-16, Label Studio JSON in
// both units): any bytes give sentences whose spans lie inside their text, or an InputError.
#include "alsel/annotation_exports.h"
#include "alsel/errors.h"
#include "alsel/labeled_data.h"
#include "alsel/utf8.h"
#include "fuzz_input.h"

namespace {

void check(const alsel::LabeledSentence& sentence) {
  const int length = static_cast<int>(alsel::count_code_points(sentence.text));
  for (const alsel::GoldSpan& span : sentence.spans) {
    if (span.start < 0 || span.end > length || span.start >= span.end) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static alsel::fuzz::InputFile file;
  alsel::fuzz::quiet_logging();
  if (size == 0) return 0;
  const std::string& path = file.write(data + 1, size - 1);
  try {
    switch (data[0] % 5) {
      case 0:
      case 1: {
        alsel::LabeledReader reader(path, data[0] % 5 == 0 ? alsel::LabeledFormat::kBio
                                                           : alsel::LabeledFormat::kDoccano);
        alsel::LabeledSentence sentence;
        while (reader.next(sentence)) check(sentence);
        break;
      }
      case 2:
        for (const auto& sentence : alsel::read_doccano_utf16(path)) check(sentence);
        break;
      default: {
        size_t skipped = 0;
        const auto unit = data[0] % 5 == 3 ? alsel::OffsetUnit::kCodePoint : alsel::OffsetUnit::kUtf16;
        for (const auto& sentence : alsel::read_label_studio(path, unit, skipped)) check(sentence);
      }
    }
  } catch (const alsel::Error&) {
  }
  return 0;
}
