#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "inputs/combine.h"
#include "inputs/tuple_queue.h"
#include "mpi/dispatch.h"
#include "mpi/output_order.h"
#include "mpi/output_relay.h"
#include "mpi/rank_link.h"
#include "run/run_flags.h"

namespace coreflow {

// One rank's part in `coreflow-mpi run`: the hooks that make its run take inputs from rank 0
// (rank 0 deals them out from its sources, to its own engine too), write its own journal and
// read every rank's on a resume; then, once every rank is done, one journal (docs/mpi.md).
class RankRun {
 public:
  // `started` is called on every rank as its run starts (coreflow-mpi lets ranks other than 0
  // speak from then on, so that a usage error is said once).
  RankRun(RankLink* link, std::function<void()> started)
      : link_(link), started_(std::move(started)) {}
  ~RankRun();
  RankRun(const RankRun&) = delete;
  RankRun& operator=(const RankRun&) = delete;

  RunHooks Hooks();
  // After coreflow's Main returned `status` on this rank: waits for the others, merges the
  // journals (rank 0), and returns the job's exit status, the worst of every rank's.
  int Finish(int status);
  // Rank 0 could not start its run either, so it said why (the same on every rank, mostly);
  // false when only other ranks failed, which must then say their own why.
  bool rank_0_failed() const { return rank_0_failed_; }

 private:
  TupleQueue* Start(RunFlags* f, RunConfig* config, int slots, std::string* err);
  bool PlanJournals(RunFlags* f, std::string* err);
  bool StartDealing(const RunConfig& config, int slots, std::string* err);
  // The one meeting of every rank before the run, whether it reached Start or stopped before:
  // true when every rank is ready.
  bool Meet(bool ok);
  // This rank cannot run after all: the others must not wait for it.
  void Withdraw(const std::string& why);
  ReadStatus Produce(Tuple* tuple, std::string* err);  // rank 0: the next tuple, waiting for it
  void MergeJournals();

  RankLink* link_;
  std::function<void()> started_;
  bool met_ = false;                  // this rank met the others (Meet)
  bool rank_0_failed_ = false;        // learnt at the meeting
  bool all_ready_ = false;            // every rank was ready at the meeting
  std::string journal_;               // the --joblog given; "" for none
  bool keep_journal_ = false;         // resume or append: the journal's own records stay
  std::vector<std::string> earlier_;  // rank journals an earlier run left, resumed
  TupleQueue queue_;
  InputCombiner combiner_;  // rank 0's sources
  std::unique_ptr<Dealer> dealer_;
  std::unique_ptr<Fetcher> fetcher_;
  std::unique_ptr<FdStreamWriter> streams_;  // rank 0's stdout and stderr
  std::unique_ptr<SharedWriter> shared_;     // rank 0: its engine's and the other ranks' output
  std::unique_ptr<RankOutput> order_;        // rank 0: what it writes when (-k: input order)
  Outbox outbox_;  // other ranks (and rank 0 with -k): their output, on its way to rank 0's
  std::unique_ptr<ForwardingWriter> forward_;
  std::atomic<bool> stop_{false};  // this rank's engine takes no more tuples
  std::thread thread_;
};

}  // namespace coreflow
