#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {

// One captured output stream of a task. Small output stays in memory; past `memory_limit`
// bytes everything moves to an unlinked file in the run's private temporary directory, so a
// task that prints gigabytes costs disk, not RAM.
class OutputBuffer {
 public:
  static constexpr size_t kDefaultMemoryLimit = 256 * 1024;

  OutputBuffer(PrivateTempDir* spill_dir, size_t memory_limit = kDefaultMemoryLimit)
      : spill_dir_(spill_dir), memory_limit_(memory_limit) {}

  // Appends data. Returns 0, or the errno of a failed spill (the data is then kept in memory:
  // nothing is lost, but the caller should report it).
  int Append(std::string_view data);
  uint64_t size() const { return size_; }
  bool spilled() const { return spill_.valid(); }

  // Writes everything captured to `fd`, each line after `line_prefix` (--tag). Returns 0 or
  // errno (EPIPE, ENOSPC, ...).
  int WriteTo(int fd, std::string_view line_prefix = {}) const;
  // The captured bytes as a string (tests, small outputs).
  std::string ToString() const;
  // The last `max_bytes` captured bytes (all of them when fewer): what reports show of a
  // failed task's stderr, read without loading a spilled output whole.
  std::string Tail(size_t max_bytes) const;

 private:
  // Calls fn with the captured bytes in order, a piece at a time; stops at its first error.
  int ForEachPiece(const std::function<int(std::string_view)>& fn) const;

  PrivateTempDir* spill_dir_;
  size_t memory_limit_;
  std::string memory_;
  UniqueFd spill_;
  uint64_t spill_bytes_ = 0;  // bytes safely in the spill file
  bool spill_failed_ = false;
  uint64_t size_ = 0;
};

// Appends `data` to *out with `prefix` before each line; *at_line_start carries over between
// pieces of one stream (true before the first).
void AppendPrefixedLines(std::string_view data, std::string_view prefix, bool* at_line_start,
                         std::string* out);

// Appends `data` to `tail` and keeps only its last `max_bytes`: the end of a stream that
// passes through (--line-buffer) in bounded memory.
void KeepTail(std::string* tail, std::string_view data, size_t max_bytes);

}  // namespace coreflow
