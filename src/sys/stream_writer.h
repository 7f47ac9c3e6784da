#pragma once

#include <cstdint>
#include <string_view>

namespace coreflow {

// coreflow's own standard streams, where task output and its messages go.
enum class StdStream { kOut = 1, kErr = 2 };

// Writes to the standard streams behind an interface, so what prints task output can be
// tested with a fake.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Writes all of `bytes`. Returns 0 or the errno of the failure (EPIPE, EIO, ...).
  virtual int Write(StdStream stream, std::string_view bytes) = 0;
  // The descriptor behind `stream`, so a spilled output can be copied in the kernel; -1 for a
  // writer without one (a fake).
  virtual int Descriptor(StdStream /*stream*/) const { return -1; }
  // Around what belongs together (a task's whole output, one message): a writer shared with
  // other writers keeps it in one piece.
  virtual void BeginGroup() {}
  virtual void EndGroup() {}
  // With -k, inside a group: it is one task's output, of `inputs` inputs, released in input
  // order (coreflow-mpi's rank 0 keeps the order across ranks with it).
  virtual void MarkTask(uint64_t /*inputs*/) {}
};

// The real streams: two descriptors, written whole, retrying interrupted and short writes.
class FdStreamWriter final : public StreamWriter {
 public:
  FdStreamWriter(int stdout_fd, int stderr_fd) : stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {}
  int Write(StdStream stream, std::string_view bytes) override;
  int Descriptor(StdStream stream) const override {
    return stream == StdStream::kOut ? stdout_fd_ : stderr_fd_;
  }

 private:
  int stdout_fd_;
  int stderr_fd_;
};

}  // namespace coreflow
