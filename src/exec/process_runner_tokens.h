#pragma once

// ProcessRunner's private constants, shared by its .cc files.
#include <cstdint>

#include "base/time.h"

namespace coreflow {
namespace process_runner {

// Epoll tokens: what kind of descriptor in the top byte, the task handle below it.
enum TokenKind : uint64_t {
  kPidfd = 1,
  kStdout = 2,
  kStderr = 3,
  kSignals = 4,
  kTimer = 5,
  kInput = 6,
  kTick = 7,
  kWatched = 8,
  kWritableWatched = 9,
  kLeftover = 10,
  kRecheck = 11,
};

// How often, and how long apart, a closing process looks again for orphans that showed no
// environment: the time an execve takes, several times over.
constexpr int kMaxRechecks = 3;
constexpr Nanos kRecheckDelay = 5 * kNanosPerMilli;
constexpr int kKindShift = 56;
constexpr uint64_t kHandleMask = (uint64_t{1} << kKindShift) - 1;

inline uint64_t Token(TokenKind kind, uint64_t handle = 0) {
  return (static_cast<uint64_t>(kind) << kKindShift) | (handle & kHandleMask);
}

}  // namespace process_runner
}  // namespace coreflow
