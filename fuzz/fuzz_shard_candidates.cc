// Shard candidates reader: a candidate list whose entities fit their texts, or an InputError.
#include "alsel/data/entities.h"
#include "alsel/util/errors.h"
#include "alsel/distributed/shard_candidates.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static alsel::fuzz::InputFile file;
  alsel::fuzz::quiet_logging();
  const std::string& path = file.write(data, size);
  try {
    const alsel::ShardCandidates shard = alsel::read_shard_candidates(path);
    for (const alsel::Selected& candidate : shard.candidates) {
      alsel::check_entity_spans(candidate.sentence.text, candidate.sentence.analysis.entities);
      (void)alsel::format_candidate(candidate);
    }
  } catch (const alsel::Error&) {
  }
  return 0;
}
