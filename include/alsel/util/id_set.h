// Compact set of sentence ids for duplicate detection over pools of any size: stores only a
// 64-bit hash of each id (8 bytes per slot, at most 16 bytes per id at load factor 0.5),
// never the id itself.
//
//   alsel::IdHashSet seen;
//   if (!seen.insert(item.id)) reject(item, "duplicate id (seen earlier)");
//
// Collision probability: two distinct ids share a 64-bit hash with probability 2^-64, so
// over n ids the chance that any new id is wrongly reported as a duplicate is about
// n^2 / 2^65: ~3e-8 for 1e6 ids, ~3e-6 for 1e7, ~3e-4 for 1e8. A true duplicate is never
// missed (no false negatives).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace alsel {

// 64-bit hash used by IdHashSet (FNV-1a followed by a SplitMix64 finalizer, so that short
// ids that differ in one character spread over all bits). Never returns 0.
uint64_t hash_id(std::string_view id);

class IdHashSet {
 public:
  // `expected_ids` only sizes the initial table; the set grows by doubling as needed.
  explicit IdHashSet(size_t expected_ids = 1024);

  // Inserts the hash of `id`. Returns true when it was new, false when an id with the same
  // hash was inserted before (a duplicate, or with probability ~n/2^64 a collision).
  bool insert(std::string_view id);
  // True when an id with the same hash was inserted.
  bool contains(std::string_view id) const;

  size_t size() const { return size_; }
  // Number of slots (a power of two, always >= 2 * size()).
  size_t capacity() const { return slots_.size(); }

 private:
  bool insert_hash(uint64_t hash);
  void grow();

  std::vector<uint64_t> slots_;  // open addressing with linear probing; 0 marks an empty slot
  size_t size_ = 0;              // number of stored hashes
};

}  // namespace alsel
