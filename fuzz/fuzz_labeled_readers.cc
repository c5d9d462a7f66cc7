// Labeled data readers (BIO/CoNLL, doccano and Prodigy JSONL, Label Studio JSON, in every offset
// unit): any bytes give sentences whose spans lie inside their text, or an InputError.
#include "alsel/data/annotation_exports.h"
#include "alsel/util/errors.h"
#include "alsel/data/labeled_data.h"
#include "alsel/util/utf8.h"
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
    // The first byte picks the reader and the unit: every format in every unit.
    static const alsel::LabeledFormat formats[] = {
        alsel::LabeledFormat::kBio, alsel::LabeledFormat::kDoccano, alsel::LabeledFormat::kProdigy,
        alsel::LabeledFormat::kLabelStudio, alsel::LabeledFormat::kAuto};
    static const alsel::OffsetUnit units[] = {alsel::OffsetUnit::kCodePoint, alsel::OffsetUnit::kUtf16,
                                              alsel::OffsetUnit::kGrapheme};
    alsel::LabeledReader reader(path, formats[data[0] % 5], units[(data[0] / 5) % 3]);
    alsel::LabeledSentence sentence;
    while (reader.next(sentence)) check(sentence);
  } catch (const alsel::Error&) {
  }
  return 0;
}
