#pragma once

// ProcessRunner's private constants, shared by its .cc files.
#include <cstdint>

#include "base/ids.h"
#include "base/time.h"

namespace coreflow {
namespace process_runner {

// Epoll tokens: what kind of descriptor in the top byte, the process handle (or leftover id)
// below it.
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
constexpr uint64_t kPayloadMask = (uint64_t{1} << kKindShift) - 1;

// A token for a descriptor that names nothing (the timers, the signals, the input).
inline uint64_t Token(TokenKind kind) { return static_cast<uint64_t>(kind) << kKindShift; }

// A token for a descriptor of one thing: a process (its handle) or a leftover (its id). The
// payload keeps its type on the way back (TokenPayload), so the two cannot be mixed up.
template <typename Tag>
uint64_t Token(TokenKind kind, StrongId<Tag, uint64_t> id) {
  return Token(kind) | (id.value() & kPayloadMask);
}

inline TokenKind KindOf(uint64_t token) { return static_cast<TokenKind>(token >> kKindShift); }

template <typename Id>
Id TokenPayload(uint64_t token) {
  return Id(token & kPayloadMask);
}

}  // namespace process_runner
}  // namespace coreflow
