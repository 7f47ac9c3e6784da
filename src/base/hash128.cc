#include "base/hash128.h"

#include <xxhash.h>

#include <new>

#include "base/hash.h"

namespace coreflow {
namespace {

Hash128 FromXxh(XXH128_hash_t h) { return Hash128{h.high64, h.low64}; }

}  // namespace

Hasher128::Hasher128() : state_(XXH3_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

Hasher128::~Hasher128() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void Hasher128::Update(std::string_view data) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data.data(), data.size());
}

Hash128 Hasher128::Digest() const {
  return FromXxh(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_)));
}

Hash128 Xxh3Hash128(std::string_view data) {
  return FromXxh(XXH3_128bits(data.data(), data.size()));
}

std::string HexDigits128(const Hash128& h) { return HexDigits(h.high) + HexDigits(h.low); }

bool ParseHexDigits128(std::string_view text, Hash128* out) {
  Hash128 h;
  if (text.size() != 32 || !ParseHexDigits(text.substr(0, 16), &h.high) ||
      !ParseHexDigits(text.substr(16), &h.low)) {
    return false;
  }
  *out = h;
  return true;
}

}  // namespace coreflow
