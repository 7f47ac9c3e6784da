#pragma once

#include <string>
#include <string_view>

namespace coreflow {

// The exit status of a usage error: nothing ran.
inline constexpr int kUsageError = 255;

// Where coreflow's own lines (errors, warnings, notes) go while a run is on this thread: the
// command's stderr, or what the caller of coreflow::Run() chose; it keeps the first error.
struct MessageSink {
  int fd = 2;  // -1: nowhere
  std::string first_error;
};

// Sends this thread's lines to `sink` until it goes out of scope.
class ScopedMessages {
 public:
  explicit ScopedMessages(MessageSink* sink);
  ~ScopedMessages();
  ScopedMessages(const ScopedMessages&) = delete;
  ScopedMessages& operator=(const ScopedMessages&) = delete;

 private:
  MessageSink* previous_;
};

// The descriptor this thread's lines go to (2 unless a ScopedMessages says), -1 for none.
int MessagesFd();

// Writes `text` (whole lines) where this thread's lines go.
void Say(std::string_view text);

// "coreflow: error: MESSAGE", kept as the run's first error.
void SayError(const std::string& message);
// The same, for an error found before anything ran; returns kUsageError.
inline int UsageError(const std::string& message) {
  SayError(message);
  return kUsageError;
}

void Warn(const std::string& message);

}  // namespace coreflow
