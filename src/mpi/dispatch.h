#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "inputs/source.h"
#include "inputs/tuple_queue.h"
#include "mpi/batch_codec.h"
#include "mpi/output_order.h"
#include "mpi/output_relay.h"
#include "mpi/rank_link.h"

namespace coreflow {

// The messages of coreflow-mpi's dispatch: a rank asks rank 0 for tuples (the body is how many,
// as decimal text); rank 0 answers with a batch, the end of the inputs, or the error that ended
// them. A rank that stops early (--halt) says goodbye so that rank 0 stops dealing to it. What
// a rank's tasks print goes to rank 0 as groups (output_relay.h), several to a message, each
// after its length (8 bytes, little-endian); once its engine is done and all of it went, a
// rank says so.
enum DispatchTag : int {
  kAskTag = 1,
  kBatchTag = 2,
  kEndTag = 3,
  kErrorTag = 4,
  kByeTag = 5,
  kOutputTag = 6,
  kDoneTag = 7,
};

// How many tuples a rank asks for at a time: enough for its slots, and for about kRefillFor of
// work at the rate it has been taking them, so that fast tasks do not wait on the round trip
// while slow ones are not hoarded by the first ranks to ask. The rate is measured over at least
// kRefillFor: an engine filling its slots at start takes a few tuples in microseconds, which is
// no rate at all (it would ask for everything).
class AskSize {
 public:
  static constexpr double kRefillFor = 0.05;  // seconds
  static constexpr uint64_t kMost = 4096;
  explicit AskSize(int slots) : slots_(slots > 0 ? static_cast<uint64_t>(slots) : 1) {}
  // `taken`: tuples the engine took so far; `seconds`: time since the last call.
  uint64_t Next(uint64_t taken, double seconds);
  uint64_t want() const { return want_; }  // what the last Next said

 private:
  uint64_t slots_;
  uint64_t want_ = slots_;
  uint64_t window_taken_ = 0;  // `taken` when the current window began
  double window_ = 0;          // seconds in the current window
  double rate_ = 0;            // tuples per second, smoothed
};

// Produces the next tuple, waiting for it if it must: kValue, kEnd or kError.
using TupleProducer = std::function<ReadStatus(Tuple*, std::string*)>;

// Idles between polls: called with how many polls in a row found nothing.
using IdleWait = std::function<void(int idle_polls)>;

// Sleeps 50 us, doubling up to 1 ms while nothing comes: MPI's blocking receive would spin a
// core that a task should have.
void BackOff(int idle_polls);
// Seconds on a monotonic clock, for AskSize.
double MonotonicSeconds();

// Rank 0: deals the tuples `produce` makes to every rank that asks, and keeps `local` (rank 0's
// own engine) filled the same way; hands the groups of output other ranks send to `output`,
// with what went to whom, and what rank 0's own engine puts in `local_outbox` (with -k, its
// output too waits its turn). Returns once every other rank is done, and rank 0's engine too
// when it has an outbox.
class Dealer {
 public:
  Dealer(RankLink* link, TupleProducer produce, TupleQueue* local, int local_slots,
         IdleWait idle = BackOff, RankOutput* output = nullptr, Outbox* local_outbox = nullptr);
  // -N n: deal in multiples of n, so that each rank's commands get neighbouring inputs.
  void DealInMultiplesOf(uint64_t n) { unit_ = n > 0 ? n : 1; }
  // `local_stop`: rank 0's engine finished (early or not) and takes nothing more.
  void Run(const std::atomic<bool>* local_stop);
  uint64_t dealt() const { return dealt_; }

 private:
  // Up to `want` tuples for `rank`; fewer at the end of the inputs.
  std::vector<Tuple> Take(int rank, uint64_t want);
  void Answer(int rank, uint64_t want);
  void FillLocal(double now);
  void Finished(int rank);  // it had its end or said goodbye
  void Received(const RankMessage& m);
  bool DrainLocal();  // true when rank 0's engine had put something in its outbox

  RankLink* link_;
  TupleProducer produce_;
  TupleQueue* local_;
  AskSize local_size_;
  IdleWait idle_;
  bool inputs_over_ = false;
  std::string error_;
  bool local_done_ = false;
  double last_local_ = 0;
  uint64_t dealt_ = 0;
  uint64_t unit_ = 1;
  RankOutput* output_;
  Outbox* local_outbox_;
  bool local_over_ = false;     // rank 0's engine is done and its outbox empty
  std::vector<bool> finished_;  // per rank: had its end or said goodbye
  int open_ = 0;                // ranks not finished
  std::vector<bool> done_;      // per rank: its engine is done and its output sent
  int working_ = 0;             // ranks not done
};

// Any other rank: keeps `queue` (its engine's inputs) filled from rank 0 until the inputs end
// or `stop` is set (its engine finished early; then it says goodbye), and sends rank 0 what
// its engine puts in `outbox` (if any) until `stop`; then says it is done.
class Fetcher {
 public:
  Fetcher(RankLink* link, TupleQueue* queue, int slots, IdleWait idle = BackOff,
          Outbox* outbox = nullptr);
  void Run(const std::atomic<bool>* stop);

 private:
  bool Handle(const RankMessage& m);  // false at the end of the inputs
  bool SendOutput();                  // true when there was some

  RankLink* link_;
  TupleQueue* queue_;
  AskSize size_;
  IdleWait idle_;
  Outbox* outbox_;
};

}  // namespace coreflow
