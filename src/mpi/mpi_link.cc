#include "mpi/mpi_link.h"

namespace coreflow {

MpiRankLink::MpiRankLink() {
  MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

MpiRankLink::~MpiRankLink() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

bool MpiRankLink::Send(int to, int tag, const std::string& body) {
  return MPI_Send(body.data(), static_cast<int>(body.size()), MPI_CHAR, to, tag, comm_) ==
         MPI_SUCCESS;
}

bool MpiRankLink::TryReceive(RankMessage* out) {
  int arrived = 0;
  MPI_Status status;
  if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &arrived, &status) != MPI_SUCCESS ||
      !arrived) {
    return false;
  }
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  out->from = status.MPI_SOURCE;
  out->tag = status.MPI_TAG;
  out->body.resize(static_cast<size_t>(count));
  return MPI_Recv(out->body.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, comm_,
                  MPI_STATUS_IGNORE) == MPI_SUCCESS;
}

void MpiRankLink::Abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  __builtin_unreachable();  // MPI_Abort does not return
}

void MpiRankLink::Barrier() { MPI_Barrier(comm_); }

int MpiRankLink::Max(int value) {
  int out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, comm_);
  return out;
}

}  // namespace coreflow
