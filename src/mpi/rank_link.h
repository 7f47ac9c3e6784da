#pragma once

#include <string>

namespace coreflow {

// One message between ranks.
struct RankMessage {
  int from = -1;
  int tag = 0;
  std::string body;
};

// What the dispatcher needs of MPI: numbered ranks that exchange tagged messages. MpiRankLink
// (mpi_link.h) is the real one; tests use an in-process fake, so the dealing logic is tested
// without MPI.
class RankLink {
 public:
  virtual ~RankLink() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Returns once the message is on its way (it may be buffered). False if it cannot be sent.
  virtual bool Send(int to, int tag, const std::string& body) = 0;
  // A message for this rank, when one has arrived; never waits.
  virtual bool TryReceive(RankMessage* out) = 0;
  // Every rank waits here for the others.
  virtual void Barrier() = 0;
  // The largest of every rank's `value`, on every rank.
  virtual int Max(int value) = 0;
  // Ends every rank of the job at once, with `status`.
  [[noreturn]] virtual void Abort(int status) = 0;
};

}  // namespace coreflow
