#include "run/messages.h"

#include "sys/fd.h"

namespace coreflow {
namespace {

thread_local MessageSink* current = nullptr;

}  // namespace

ScopedMessages::ScopedMessages(MessageSink* sink) : previous_(current) { current = sink; }

ScopedMessages::~ScopedMessages() { current = previous_; }

int MessagesFd() { return current == nullptr ? 2 : current->fd; }

void Say(std::string_view text) {
  int fd = MessagesFd();
  if (fd >= 0)
    (void)WriteAll(fd, text.data(), text.size());  // a closed stderr must not stop the run
}

void SayError(const std::string& message) {
  if (current != nullptr && current->first_error.empty()) current->first_error = message;
  Say("coreflow: error: " + message + "\n");
}

void Warn(const std::string& message) { Say("coreflow: warning: " + message + "\n"); }

}  // namespace coreflow
