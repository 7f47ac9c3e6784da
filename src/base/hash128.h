#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coreflow {

// A 128-bit hash (XXH3-128 from libxxhash): task keys, where a collision would make --resume
// skip an unfinished task without a word. Keys of version 1 journals (64-bit FNV-1a) are kept
// in `low` with `high` 0.
struct Hash128 {
  // Not an aggregate: a brace list such as {key, attempt, seq} must not fill it silently.
  constexpr Hash128() = default;
  constexpr Hash128(uint64_t h, uint64_t l) : high(h), low(l) {}
  uint64_t high = 0;
  uint64_t low = 0;
  auto operator<=>(const Hash128&) const = default;
};

struct Hash128Hasher {
  size_t operator()(const Hash128& h) const {
    return static_cast<size_t>(h.low ^ (h.high * 0x9e3779b97f4a7c15ull));
  }
};

// Hashes pieces fed one after another, as if they were one string.
class Hasher128 {
 public:
  Hasher128();
  ~Hasher128();
  Hasher128(const Hasher128&) = delete;
  Hasher128& operator=(const Hasher128&) = delete;
  void Update(std::string_view data);
  Hash128 Digest() const;

 private:
  void* state_;  // XXH3_state_t, kept out of this header
};

Hash128 Xxh3Hash128(std::string_view data);

std::string HexDigits128(const Hash128& h);  // 32 lowercase hex digits, high first
// Reads exactly 32 lowercase hex digits back; false on anything else.
bool ParseHexDigits128(std::string_view text, Hash128* out);

}  // namespace coreflow
