#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// The warm-worker protocol (docs/workers.md): one JSON line per task on the worker's stdin,
// one JSON line per answer on its result descriptor.

// The request line for one task, newline included. Values that are not UTF-8 are carried with
// U+FFFD in place of the bad bytes (JSON holds text only).
std::string EncodeWorkerRequest(uint64_t id, int attempt, int slot,
                                const std::vector<std::string>& args,
                                const std::vector<std::vector<std::string>>& inputs);

// What a worker said on its result descriptor.
struct WorkerMessage {
  enum class Kind { kReady, kResult };
  Kind kind = Kind::kResult;
  uint64_t id = 0;      // kResult
  int status = 0;       // kResult: 0 success, 1-255 failure
  std::string message;  // kResult, optional
};

// Parses one line (without its newline). False with *err saying what is wrong: not a JSON
// object, neither a ready line nor an answer, a missing or bad id or status.
bool ParseWorkerMessage(std::string_view line, WorkerMessage* out, std::string* err);

// Cuts a byte stream into lines. A line longer than `max_line` is an error, so a worker that
// never ends its line cannot make coreflow hold gigabytes.
class LineReader {
 public:
  static constexpr size_t kMaxLine = 1 << 20;
  explicit LineReader(size_t max_line = kMaxLine) : max_line_(max_line) {}

  // Appends bytes; false once the unfinished line is over the limit.
  bool Append(std::string_view data);
  // Takes the next complete line, without its newline; false when there is none yet.
  bool Next(std::string* line);
  bool has_partial() const { return start_ < buffer_.size(); }
  // Whether what is held (whole lines not taken yet, or the start of one) has anything but
  // blanks: a worker that wrote it before it was asked broke the protocol.
  bool HoldsText() const {
    return buffer_.find_first_not_of(" \t\r\n", start_) != std::string::npos;
  }

 private:
  std::string buffer_;
  size_t start_ = 0;        // where the next line begins
  size_t line_length_ = 0;  // of the unfinished line
  size_t max_line_;
};

}  // namespace coreflow
