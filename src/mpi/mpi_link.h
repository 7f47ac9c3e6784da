#pragma once

#include <mpi.h>

#include "mpi/rank_link.h"

namespace coreflow {

// RankLink over MPI: its own communicator (a duplicate of the world's), so that dispatch
// messages never meet a collective. Called from one thread at a time (MPI_THREAD_SERIALIZED).
class MpiRankLink : public RankLink {
 public:
  MpiRankLink();
  ~MpiRankLink() override;
  MpiRankLink(const MpiRankLink&) = delete;
  MpiRankLink& operator=(const MpiRankLink&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool Send(int to, int tag, const std::string& body) override;
  bool TryReceive(RankMessage* out) override;
  void Barrier() override;
  int Max(int value) override;
  [[noreturn]] void Abort(int status) override;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace coreflow
