#include "alsel/util/id_set.h"

namespace alsel {

uint64_t hash_id(std::string_view id) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (char c : id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;  // FNV-1a prime
  }
  // SplitMix64 finalizer: full avalanche.
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash == 0 ? 1 : hash;  // 0 marks an empty slot
}

IdHashSet::IdHashSet(size_t expected_ids) {
  size_t capacity = 16;
  while (capacity < 2 * expected_ids) capacity *= 2;
  slots_.assign(capacity, 0);
}

bool IdHashSet::insert(std::string_view id) {
  if (2 * (size_ + 1) > slots_.size()) grow();  // keep the load factor <= 0.5
  return insert_hash(hash_id(id));
}

bool IdHashSet::contains(std::string_view id) const {
  const uint64_t hash = hash_id(id);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == hash) return true;
    if (slots_[i] == 0) return false;
  }
}

bool IdHashSet::insert_hash(uint64_t hash) {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    if (slots_[i] == hash) return false;
    if (slots_[i] == 0) {
      slots_[i] = hash;
      ++size_;
      return true;
    }
  }
}

void IdHashSet::grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  size_ = 0;
  for (uint64_t hash : old) {
    if (hash != 0) insert_hash(hash);
  }
}

}  // namespace alsel
