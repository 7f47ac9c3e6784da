#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace coreflow {

// SHA-256 (FIPS 180-4): names cache files after their key, so it must never change.
std::array<uint8_t, 32> Sha256(std::string_view data);

// The digest as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace coreflow
