#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sys/stream_writer.h"

namespace coreflow {

// coreflow-mpi sends what every rank's tasks print to rank 0, which writes it: a launcher
// merges the ranks' own streams in chunks, so a task's output would come out cut into pieces
// with other ranks' between them. A group is what one task printed (or one message), kept
// whole: its pieces, each on stdout or stderr, in order.
struct OutputPiece {
  StdStream stream = StdStream::kOut;
  std::string bytes;
  bool operator==(const OutputPiece&) const = default;
};
struct OutputGroup {
  // With -k: the output of one task, released in input order, of this many inputs; 0 for
  // anything else (a message, or output when order does not matter).
  uint64_t inputs = 0;
  std::vector<OutputPiece> pieces;
  bool operator==(const OutputGroup&) const = default;
};
std::string EncodeGroup(const OutputGroup& group);
bool DecodeGroup(std::string_view body, OutputGroup* out);  // false: malformed

// Groups on their way from a rank's engine to the thread that sends them. Push waits while
// more than `limit` bytes wait (rank 0 or its reader is slower than the tasks print), as a
// full pipe would; after Close, Push drops what it is given.
class Outbox {
 public:
  explicit Outbox(size_t limit = 64u << 20) : limit_(limit) {}
  void Push(std::string group);
  bool Pop(std::string* group);  // false when none waits
  void Close();

 private:
  std::mutex mu_;
  std::condition_variable room_;
  std::deque<std::string> groups_;
  size_t bytes_ = 0;
  size_t limit_;
  bool closed_ = false;
};

// A rank's engine writes here: each group goes to the outbox whole. A group that printed
// nothing is sent only when it is a task's with -k, which rank 0 needs to keep the order.
class ForwardingWriter final : public StreamWriter {
 public:
  explicit ForwardingWriter(Outbox* outbox) : outbox_(outbox) {}
  int Write(StdStream stream, std::string_view bytes) override;
  void BeginGroup() override { ++depth_; }
  void EndGroup() override;
  void MarkTask(uint64_t inputs) override { group_.inputs = inputs; }

 private:
  Outbox* outbox_;
  OutputGroup group_;
  int depth_ = 0;
};

// Rank 0's streams, shared by its own engine and the groups other ranks send: a group is
// written under one lock, so nothing comes between its pieces.
class SharedWriter final : public StreamWriter {
 public:
  explicit SharedWriter(StreamWriter* real) : real_(real) {}
  int Write(StdStream stream, std::string_view bytes) override;
  int Descriptor(StdStream stream) const override { return real_->Descriptor(stream); }
  void BeginGroup() override;
  void EndGroup() override;
  // Another rank's group. Write errors are the engine's to act on; here they are dropped.
  void WriteGroup(const OutputGroup& group);

 private:
  StreamWriter* real_;
  std::mutex mu_;
  int depth_ = 0;  // of the engine's groups: only the engine's thread reads it
};

}  // namespace coreflow
