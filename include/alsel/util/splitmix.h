// SplitMix64 (Vigna): the seeded 64-bit generator behind reservoir sampling (score_summary) and
// the MinHash seeds (near_duplicates). Its output is part of their results: keep it stable.
//
//   uint64_t state = seed;
//   uint64_t a = alsel::split_mix(state), b = alsel::split_mix(state);
#pragma once

#include <cstdint>

namespace alsel {

// Advances `state` and returns the next value.
inline uint64_t split_mix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace alsel
