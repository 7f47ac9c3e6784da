#pragma once

// An engine over a fake runner, for the engine's unit tests: no processes, no sleeps. The fake
// runner ends one task per Wait, as scripted, and its clock moves 1 ms per Wait.

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "test_util.h"

namespace coreflow::enginetest {

using Kind = RunnerEvent::Kind;
inline constexpr Nanos kMs = kNanosPerMilli;
inline constexpr Nanos kSec = kNanosPerSecond;
inline constexpr Nanos kEpoch = 1000 * kSec;  // the fake clock's start

inline int ExitStatus(int code) { return code << 8; }
inline int SignalStatus(int sig) { return sig; }

// What a fake task does once started: how it ends and what it printed.
struct TaskResult {
  int wait_status = 0;
  std::string out;
  std::string err;
  rusage usage{};
  int spill_error = 0;
};

// A Runner without processes. Start records the command (and may fail as scripted); Wait ends
// one task per call, as scripted, after delivering injected events and tasks that were
// signalled (they die of the signal); with nothing running it reports watched input as ready,
// and otherwise fires the armed timer. Time is a counter that moves 1 ms
// per Wait, or to the timer's deadline when it fires.
class FakeRunner : public Runner {
 public:
  struct StartCall {
    uint64_t handle;
    std::vector<std::string> argv;
    std::vector<std::string> env;
    OutputMode mode;
    Nanos at;
    int result;  // what Start returned
    int threads;
    std::vector<int> cpus;  // --bind's, empty when not pinned
  };
  enum class Order { kFirstStarted, kLastStarted };

  int Start(uint64_t handle, const LaunchSpec& spec) override {
    StartCall call{handle, spec.command->argv, {}, spec.output, now, 0, spec.threads, {}};
    if (spec.cpus != nullptr) call.cpus = spec.cpus->cpus();
    for (char* const* e = spec.envp; *e != nullptr; ++e) call.env.emplace_back(*e);
    auto& errors = start_errors[handle];
    if (!errors.empty()) {
      call.result = errors.front();
      errors.pop_front();
    }
    starts.push_back(call);
    if (call.result != 0) return call.result;
    EXPECT_EQ(std::count(running.begin(), running.end(), handle), 0) << "started twice";
    running.push_back(handle);
    ++attempts[handle];
    return 0;
  }

  void Signal(uint64_t handle, int signal) override {
    signals.emplace_back(handle, signal);
    if (std::count(running.begin(), running.end(), handle) && !killed_by.count(handle)) {
      killed_by[handle] = signal;
    }
  }

  void ArmTimer(Nanos at) override {
    timers.push_back(at);
    armed = at;
  }

  void ArmTick(Nanos at) override { ticks.push_back(at); }

  int ProcessGroup(uint64_t handle) const override {
    return std::count(running.begin(), running.end(), handle) ? static_cast<int>(handle) : 0;
  }

  void WatchInput(int fd) override {
    watched.push_back(fd);
    watching = true;
    if (on_watch) on_watch();
  }

  bool Wait(std::vector<RunnerEvent>* events, std::string* err) override {
    if (++waits > 100000) {
      *err = "fake runner: the engine never finishes";
      return false;
    }
    now += kMs;
    if (!injected.empty()) {
      for (RunnerEvent& ev : injected.front()) {
        if (ev.kind == Kind::kExited) Forget(ev.handle);
        events->push_back(std::move(ev));
      }
      injected.pop_front();
      return true;
    }
    // Signalled tasks die of their signal.
    for (uint64_t handle : std::vector<uint64_t>(running)) {
      auto it = killed_by.find(handle);
      if (it == killed_by.end()) continue;
      TaskResult r;
      r.wait_status = SignalStatus(it->second);
      events->push_back(Exit(handle, std::move(r)));
    }
    if (!events->empty()) return true;
    // One task ends on its own.
    std::vector<uint64_t> candidates;
    for (uint64_t h : running) {
      if (!hang.count(h)) candidates.push_back(h);
    }
    if (!candidates.empty()) {
      uint64_t h = order == Order::kFirstStarted ? candidates.front() : candidates.back();
      events->push_back(Exit(h, behavior(LastStart(h), attempts[h])));
      return true;
    }
    if (watching) {  // tests make the input readable before it is all that is left
      watching = false;
      RunnerEvent ev;
      ev.kind = Kind::kInputReady;
      events->push_back(std::move(ev));
      return true;
    }
    if (armed != 0) {
      now = std::max(now, armed);
      armed = 0;
      RunnerEvent ev;
      ev.kind = Kind::kTimer;
      events->push_back(std::move(ev));
      return true;
    }
    *err = "fake runner: nothing can happen";
    return false;
  }

  Nanos Now() override { return now; }
  void EndStragglers(Nanos grace) override { stragglers.push_back(grace); }
  void SetSlots(int slots) override { set_slots.push_back(slots); }

  // A kExited event for `handle` (which stops running), as the real runner reports it.
  RunnerEvent Exit(uint64_t handle, TaskResult r) {
    Forget(handle);
    RunnerEvent ev;
    ev.kind = Kind::kExited;
    ev.handle = handle;
    ev.wait_status = r.wait_status;
    ev.usage = r.usage;
    ev.at = now;
    if (grouped_output) {
      ev.output = std::make_unique<CapturedOutput>(nullptr);
      EXPECT_EQ(ev.output->out.Append(r.out), 0);
      EXPECT_EQ(ev.output->err.Append(r.err), 0);
      ev.output->spill_error = r.spill_error;
    }
    return ev;
  }

  const StartCall& LastStart(uint64_t handle) const {
    for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
      if (it->handle == handle && it->result == 0) return *it;
    }
    ADD_FAILURE() << "task " << handle << " was never started";
    return starts.front();
  }
  std::vector<const StartCall*> StartsOf(uint64_t handle) const {
    std::vector<const StartCall*> out;
    for (const StartCall& s : starts) {
      if (s.handle == handle) out.push_back(&s);
    }
    return out;
  }

  // Script.
  std::function<TaskResult(const StartCall&, int attempt)> behavior = [](const StartCall& call,
                                                                         int) {
    TaskResult r;
    for (size_t i = 1; i < call.argv.size(); ++i) r.out += (i > 1 ? " " : "") + call.argv[i];
    r.out += "\n";
    return r;
  };
  std::map<uint64_t, std::deque<int>> start_errors;
  std::set<uint64_t> hang;  // tasks that run until signalled
  Order order = Order::kFirstStarted;
  std::deque<std::vector<RunnerEvent>> injected;
  bool grouped_output = true;
  std::function<void()> on_watch;  // the writer of a watched pipe, when the engine waits on it

  // Record.
  std::vector<StartCall> starts;
  std::vector<uint64_t> running;
  std::map<uint64_t, int> attempts;  // successful starts per task
  std::vector<std::pair<uint64_t, int>> signals;
  std::vector<Nanos> timers;
  std::vector<Nanos> ticks;
  std::vector<int> watched;
  bool watching = false;
  std::vector<Nanos> stragglers;
  std::vector<int> set_slots;
  Nanos armed = 0;
  Nanos now = kEpoch;
  int waits = 0;

 private:
  void Forget(uint64_t handle) {
    running.erase(std::remove(running.begin(), running.end(), handle), running.end());
    killed_by.erase(handle);
  }
  std::map<uint64_t, int> killed_by;
};

// Records everything an observer is told.
class RecordingObserver : public RunObserver {
 public:
  struct Started {
    uint64_t seq;
    int slot;
    int attempt;
    Nanos now;
  };
  explicit RecordingObserver(bool command_line = false, bool total = false,
                             const testutil::MemFile* out = nullptr)
      : command_line_(command_line), total_(total), out_(out) {}

  bool WantsCommandLine() const override { return command_line_; }
  bool WantsTotal() const override { return total_; }
  void OnOutputBegin() override {
    ++begins;
    if (out_ != nullptr) stdout_at_begin = out_->Text().size();
  }
  void OnOutputEnd() override {
    ++ends;
    if (out_ != nullptr && out_->Text().size() != stdout_at_begin) ++brackets_with_output;
  }
  void OnTaskStarted(uint64_t seq, int slot, int attempt, Nanos now) override {
    started.push_back({seq, slot, attempt, now});
  }
  void OnTaskFinished(const TaskRecord& record, const RunTotals& totals) override {
    finished.push_back(record);
    finished_totals.push_back(totals);
  }
  void OnRunFinished(const RunTotals& totals, int exit_status) override {
    ++run_finished;
    final_totals = totals;
    final_status = exit_status;
  }

  const TaskRecord* Final(uint64_t seq) const {
    for (const TaskRecord& r : finished) {
      if (r.seq == seq && r.final) return &r;
    }
    return nullptr;
  }

  std::vector<Started> started;
  std::vector<TaskRecord> finished;
  std::vector<RunTotals> finished_totals;
  RunTotals final_totals;
  int final_status = -1;
  int run_finished = 0;
  int begins = 0;
  int ends = 0;
  size_t stdout_at_begin = 0;
  int brackets_with_output = 0;

 private:
  bool command_line_;
  bool total_;
  const testutil::MemFile* out_;
};

inline SourceSpec Args(std::vector<std::string> values) {
  SourceSpec s;
  s.kind = SourceSpec::Kind::kArgs;
  s.args = std::move(values);
  return s;
}

// One engine run over a fake runner with captured stdout and stderr.
class EngineTest : public testing::Test {
 protected:
  RunConfig Config(const std::string& command, std::vector<std::string> values, int slots = 1) {
    RunConfig c;
    c.command_text = command;
    c.sources.push_back(Args(std::move(values)));
    c.schedule.slots = slots;
    c.environment = Environment({"HOME=/home/test", "PATH=/usr/bin:/bin"});
    c.stdout_fd = out_.fd();
    c.stderr_fd = err_.fd();
    return c;
  }

  // Prepares and runs; returns the exit status.
  int Run(RunConfig config, std::vector<RunObserver*> observers = {}) {
    engine_ = std::make_unique<Engine>(std::move(config), &runner_);
    std::string err;
    EXPECT_TRUE(engine_->Prepare(&err)) << err;
    for (RunObserver* o : observers) engine_->AddObserver(o);
    if (journal_ != nullptr) engine_->SetJournal(journal_);
    if (resume_ != nullptr) engine_->SetResume(resume_);
    run_error_.clear();
    return engine_->Run(&run_error_);
  }

  std::vector<std::vector<std::string>> Argvs() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& s : runner_.starts) out.push_back(s.argv);
    return out;
  }

  FakeRunner runner_;
  testutil::MemFile out_{"engine_test"};
  testutil::MemFile err_{"engine_test"};
  std::unique_ptr<Engine> engine_;
  std::string run_error_;
  JournalWriter* journal_ = nullptr;
  const ResumeIndex* resume_ = nullptr;
};

inline bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace coreflow::enginetest
