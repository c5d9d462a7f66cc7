// Sentences that must not reach annotators again: those already labeled (--labeled) and those
// already sent for annotation (--exclude). A pool sentence is excluded when its id or its
// normalized text (alsel/text_normalizer.h) is in the set.
//
//   alsel::ExclusionSet sent(alsel::ExclusionMatch::kIdOrText);
//   sent.add_exclude_file("sent/2025-01-01.jsonl");   // ids, JSONL or a Label Studio task list
//   alsel::ExclusionSet labeled;
//   labeled.add_labeled_file("labeled.bio");          // BIO/CoNLL, doccano, Prodigy, Label Studio
//   if (sent.find(item.id, alsel::normalized_text_hash(item.text)) !=
//   alsel::ExclusionReason::kNone) ...
//
// Memory: only 64-bit hashes are kept (alsel/id_set.h), at most 16 bytes per id and 16 per
// text, whatever the sentences' length. A false match needs a 64-bit hash collision
// (probability ~n^2/2^65 over n entries).
//
// Exclude-file formats, detected from the first non-blank character:
//   '['   a JSON array: Label Studio tasks ({"data": {"id", "text"}, ...}), other objects with
//         id/text, or plain id strings
//   '{'   JSONL: one object per line, id and text at the top level or under "data" (alsel's
//         own output, doccano, Label Studio JSON-MIN); objects with "data" use data.id, since
//         a tool's own top-level "id" is its internal task number
//   else  one id per line; blank lines and lines starting with '#' are skipped
// Integer ids are rendered in decimal, as the pool reader does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alsel/util/id_set.h"

#include "alsel/text/text_offsets.h"

namespace alsel {

enum class ExclusionMatch {
  kIdOrText,  // same id or same normalized text
  kId,        // same id only
  kText,      // same normalized text only (ids that are line numbers mean nothing across files)
};

// "both", "id" or "text"; throws UsageError listing them for any other name.
ExclusionMatch parse_exclusion_match(std::string_view name);
const char* exclusion_match_name(ExclusionMatch match);

enum class ExclusionReason { kNone, kSameId, kSameText };

class ExclusionSet {
 public:
  explicit ExclusionSet(ExclusionMatch match = ExclusionMatch::kIdOrText);

  // Adds a sentence; an empty id or text is not added.
  void add(std::string_view id, std::string_view text);

  // Why a pool sentence with this id and normalized-text hash (normalized_text_hash) is
  // excluded, or kNone. The id is checked first.
  ExclusionReason find(std::string_view id, uint64_t text_hash) const;

  // Every sentence of a BIO/CoNLL or doccano file: its text, and its id when the file gave one
  // (doccano "id"; BIO sentences have only FILE:LINE, which is not added). Returns the number
  // of sentences. Throws InputError from the reader.
  // `unit`: the file's offset unit (labeled_data.h; unset = its tool's); ids and texts do not
  // depend on it, but a reader checks every span.
  size_t add_labeled_file(const std::string& path, std::optional<OffsetUnit> unit = std::nullopt);

  // Every entry of an exclude file (formats above). `id_field` / `text_field` name the keys
  // of JSON objects. Returns the number of entries. Throws InputError "FILE:LINE: ..." on
  // ill-formed JSON and when the file cannot be read.
  size_t add_exclude_file(const std::string& path, const std::string& id_field = "id",
                          const std::string& text_field = "text");

  size_t id_count() const { return ids_.size(); }
  size_t text_count() const { return texts_.size(); }
  bool empty() const { return ids_.size() == 0 && texts_.size() == 0; }
  ExclusionMatch match() const { return match_; }

 private:
  ExclusionMatch match_;
  IdHashSet ids_;    // hashes of ids
  IdHashSet texts_;  // hashes of normalized-text hashes
};

// The key IdHashSet stores for a normalized-text hash (its 8 bytes).
std::string_view text_hash_key(const uint64_t& text_hash);

}  // namespace alsel
