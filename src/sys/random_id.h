#pragma once

#include <string>

namespace coreflow {

// `bytes` random bytes from the kernel (getrandom) as lowercase hex: ids that must not repeat
// across runs, such as a run's id. Falls back to the clock and pid where getrandom fails.
std::string RandomHex(size_t bytes);

}  // namespace coreflow
