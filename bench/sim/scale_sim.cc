// Scale by simulation (make bench): the real Scheduler and the real rank-0 Dealer driven by a
// fake clock, with 10,000 simulated workers and 1,000,000 tasks. No process, no sleep, no MPI:
// what is measured is the coordinator's own cost per event, and its memory.
// Usage: scale_sim [WORKERS [TASKS]]   Prints one line per part, key=value.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "mpi/batch_codec.h"
#include "mpi/dispatch.h"
#include "schedule/scheduler.h"

namespace coreflow {
namespace {

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// VmHWM, not getrusage's ru_maxrss: that one keeps the peak of the process before its execve
// (a Python parent's, when started from bench/mpi/compare.py).
long PeakRssKib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

// Each task runs about a second, give or take half of one, so exits interleave.
Nanos Duration(uint64_t seq) {
  return kNanosPerSecond / 2 + static_cast<Nanos>((seq * 7919) % 1000) * kNanosPerMilli;
}

// The scheduler with `workers` slots: tasks are queued as it wants them, and exit on the fake
// clock. Every Handle() is one event.
void SimulateScheduler(int workers, uint64_t tasks) {
  SchedulerOptions options;
  options.slots = workers;
  Scheduler scheduler(options);
  using Exit = std::tuple<Nanos, uint64_t>;
  std::priority_queue<Exit, std::vector<Exit>, std::greater<>> exits;
  std::vector<Action> actions;
  uint64_t events = 0, fed = 0, finished = 0;
  Nanos now = 1;
  auto handle = [&](const Event& e) {
    actions.clear();
    scheduler.Handle(e, now, &actions);
    ++events;
    for (const Action& a : actions) {
      if (const auto* s = std::get_if<act::StartTask>(&a)) {
        exits.emplace(now + Duration(s->task.value()), s->task.value());
      } else if (std::holds_alternative<act::TaskFinished>(a)) {
        ++finished;
      }
    }
  };
  double start = WallSeconds();
  while (!scheduler.finished()) {
    while (fed < tasks && scheduler.WantsTasks()) handle(ev::TaskQueued{TaskId(++fed), 1});
    if (fed == tasks && !scheduler.counts().inputs_ended) handle(ev::InputsEnded{});
    if (exits.empty()) break;
    auto [at, seq] = exits.top();
    exits.pop();
    now = at;
    handle(ev::TaskExited{TaskId(seq), Outcome{}});
  }
  double wall = WallSeconds() - start;
  std::printf(
      "part=scheduler workers=%d tasks=%llu finished=%llu events=%llu wall_s=%.3f "
      "events_per_s=%.0f simulated_s=%.1f peak_rss_kib=%ld\n",
      workers, static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(finished),
      static_cast<unsigned long long>(events), wall, static_cast<double>(events) / wall,
      static_cast<double>(now) / kNanosPerSecond, PeakRssKib());
}

// `workers` ranks of one slot each asking rank 0's Dealer for tuples: a rank asks again once
// the tasks of its last batch would have run, on the fake clock; told the end, it says it is
// done, as a rank does once its engine has finished.
class SimulatedRanks : public RankLink {
 public:
  explicit SimulatedRanks(int workers) : size_(workers + 1) {
    for (int r = 1; r < size_; ++r) asks_.emplace(0, r, kAskTag);
  }
  int rank() const override { return 0; }
  int size() const override { return size_; }
  bool Send(int to, int tag, const std::string& body) override {
    ++messages_;
    if (tag != kBatchTag) {  // the end: this rank asks no more
      asks_.emplace(now_, to, kDoneTag);
      return true;
    }
    std::string_view rest(body);
    uint64_t count = 0;
    GetLittleEndian(&rest, 4, &count);
    Nanos done = now_;
    for (uint64_t i = 0; i < count; ++i) done += Duration(++tuples_);
    asks_.emplace(done, to, kAskTag);
    return true;
  }
  bool TryReceive(RankMessage* out) override {
    if (asks_.empty()) return false;
    auto [at, rank, tag] = asks_.top();
    asks_.pop();
    now_ = at;
    ++messages_;
    *out = RankMessage{rank, tag, tag == kAskTag ? "4" : ""};
    return true;
  }
  void Barrier() override {}
  int Max(int value) override { return value; }
  [[noreturn]] void Abort(int) override { std::abort(); }
  uint64_t messages() const { return messages_; }
  Nanos now() const { return now_; }

 private:
  using Ask = std::tuple<Nanos, int, int>;  // when, which rank, what it sends
  int size_;
  std::priority_queue<Ask, std::vector<Ask>, std::greater<>> asks_;
  Nanos now_ = 0;
  uint64_t messages_ = 0;
  uint64_t tuples_ = 0;
};

void SimulateDealer(int workers, uint64_t tasks) {
  SimulatedRanks ranks(workers);
  uint64_t made = 0;
  TupleProducer produce = [&](Tuple* t, std::string*) {
    if (made == tasks) return ReadStatus::kEnd;
    *t = {"item-" + std::to_string(++made)};
    return ReadStatus::kValue;
  };
  TupleQueue local;  // rank 0 runs no tasks here: its engine is done from the start
  std::atomic<bool> local_done{true};
  Dealer dealer(&ranks, produce, &local, 1, [](int) {});
  double start = WallSeconds();
  dealer.Run(&local_done);
  double wall = WallSeconds() - start;
  std::printf(
      "part=dealer workers=%d tasks=%llu dealt=%llu messages=%llu wall_s=%.3f "
      "tasks_per_s=%.0f messages_per_s=%.0f simulated_s=%.1f peak_rss_kib=%ld\n",
      workers, static_cast<unsigned long long>(tasks),
      static_cast<unsigned long long>(dealer.dealt()),
      static_cast<unsigned long long>(ranks.messages()), wall,
      static_cast<double>(dealer.dealt()) / wall, static_cast<double>(ranks.messages()) / wall,
      static_cast<double>(ranks.now()) / kNanosPerSecond, PeakRssKib());
  if (dealer.dealt() != tasks) {
    std::fprintf(stderr, "scale_sim: the dealer dealt %llu of %llu tasks\n",
                 static_cast<unsigned long long>(dealer.dealt()),
                 static_cast<unsigned long long>(tasks));
    std::exit(1);
  }
}

}  // namespace
}  // namespace coreflow

int main(int argc, char** argv) {
  int workers = argc > 1 ? std::atoi(argv[1]) : 10000;
  uint64_t tasks = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  if (workers < 1 || tasks < 1) {
    std::fprintf(stderr, "usage: scale_sim [WORKERS [TASKS]]\n");
    return 2;
  }
  coreflow::SimulateScheduler(workers, tasks);
  coreflow::SimulateDealer(workers, tasks);
  return 0;
}
