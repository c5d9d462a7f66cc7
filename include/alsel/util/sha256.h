// SHA-256 (FIPS 180-4), small and dependency-free, for the run manifest's fingerprints of the
// model and pool files.
//
//   alsel::Sha256 hash;
//   hash.update(buffer, size);        // any number of times
//   std::string hex = hash.hex_digest();   // 64 lower-case hex digits; the object is spent
//
//   alsel::sha256_hex("abc");   //
//   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace alsel {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  // Pads, finishes and returns the digest in hex. Call once (this or digest()); update()
  // afterwards is an error.
  std::string hex_digest();
  // The same digest as 32 raw bytes (the score cache's text keys).
  std::array<uint8_t, 32> digest();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;  // bytes waiting in buffer_
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);

}  // namespace alsel
