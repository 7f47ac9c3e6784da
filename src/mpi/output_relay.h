#pragma once

#include <condition_variable>
#include <cstddef>
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
std::string EncodeGroup(const std::vector<OutputPiece>& pieces);
bool DecodeGroup(std::string_view body, std::vector<OutputPiece>* out);  // false: malformed

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

// A rank's engine writes here: each group goes to the outbox whole.
class ForwardingWriter final : public StreamWriter {
 public:
  explicit ForwardingWriter(Outbox* outbox) : outbox_(outbox) {}
  int Write(StdStream stream, std::string_view bytes) override;
  void BeginGroup() override { ++depth_; }
  void EndGroup() override;

 private:
  Outbox* outbox_;
  std::vector<OutputPiece> pieces_;
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
  void WriteGroup(std::string_view body);

 private:
  StreamWriter* real_;
  std::mutex mu_;
  int depth_ = 0;  // of the engine's groups: only the engine's thread reads it
};

}  // namespace coreflow
