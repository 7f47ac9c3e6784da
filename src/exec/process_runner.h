#pragma once

#include <sys/epoll.h>
#include <sys/resource.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/ids.h"
#include "exec/crash_guard.h"
#include "exec/process_host.h"
#include "exec/runner.h"
#include "exec/spawn.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "sys/poller.h"
#include "sys/process.h"
#include "sys/signals.h"

namespace coreflow {

// The runner that forks: clone(CLONE_VM | CLONE_VFORK) into a new process group (see Spawner),
// a pidfd per task, and one epoll over pidfds, output pipes, a signalfd and a timerfd. No
// polling, no sleeping. coreflow becomes a child subreaper so orphaned grandchildren come
// back to it.
//
// A process's exit is reported only once everything it started is gone too: when its main
// process ends, the rest of its process group is killed, and so is every orphan that came back
// to coreflow carrying its tag (COREFLOW_RUN, sys/process_tag.h), escaped ones (setsid)
// included; the exit event waits on their pidfds. So nothing of a finished attempt writes
// into its retry, and its outputs are whole when they are checked.
// It serves the engine as a Runner (handles as the engine numbers tasks) and a WorkerRunner as
// its ProcessHost (typed process handles); both name the same processes.
class ProcessRunner : public Runner, public ProcessHost {
 public:
  // `run_id` goes into every process's tag; a random one when empty.
  explicit ProcessRunner(std::string run_id = "");
  ~ProcessRunner() override;
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts the crash guard (exec/crash_guard.h) from `exe` (the coreflow binary) in Init().
  void EnableCrashGuard(std::string exe) { guard_exe_ = std::move(exe); }
  // Sets up epoll, signals and the timer. False with *err if the OS refuses.
  bool Init(std::string* err);
  const std::string& run_id() const { return run_id_; }

  // Runner: the engine's handles.
  int Start(uint64_t handle, const LaunchSpec& spec) override;
  int ProcessGroup(uint64_t handle) const override;
  void Signal(uint64_t handle, int signal) override;

  // ProcessHost: the same processes, by typed handle.
  int Start(ProcessHandle process, const LaunchSpec& spec) override;
  int ProcessGroup(ProcessHandle process) const override;
  void Signal(ProcessHandle process, int signal) override;
  [[nodiscard]] bool HasExited(ProcessHandle process) const override;
  std::unique_ptr<CapturedOutput> CutOutput(ProcessHandle process,
                                            std::vector<RunnerEvent>* events) override;
  [[nodiscard]] bool Usage(ProcessHandle process, ProcessUsage* out) const override;
  [[nodiscard]] int WatchReadable(int fd, ProcessHandle owner) override;
  [[nodiscard]] int WatchWritable(int fd, ProcessHandle owner) override;
  void Unwatch(int fd) override;

  // Both.
  int OrphanGroup(int pid) const override;
  void ArmTimer(Nanos at) override;
  void ArmTick(Nanos at) override;
  void WatchInput(int fd) override;
  bool Wait(std::vector<RunnerEvent>* events, std::string* err) override;
  Nanos Now() override;
  void EndStragglers(Nanos grace) override;

 private:
  struct Proc {
    pid_t pid = 0;
    UniqueFd pidfd;
    UniqueFd out;  // read ends of the task's stdout and stderr pipes
    UniqueFd err;
    // Our copies of the write ends, held until the task exits: the pipes then never signal a
    // hang-up, so a task's end costs one wake-up (its pidfd), not two.
    UniqueFd out_writer;
    UniqueFd err_writer;
    OutputMode mode = OutputMode::kGroup;
    std::unique_ptr<CapturedOutput> captured;
    bool signalled = false;
    // After the main process exited: its exit event, held until what it left is gone.
    bool closing = false;
    RunnerEvent exit;
    int leftovers = 0;  // processes of it being killed, watched by pidfd
    int rechecks = 0;   // looks again for orphans that showed no environment (in execve)
    bool recheck_pending = false;
  };
  // A process left behind by one that exited, being killed.
  using LeftoverId = StrongId<struct LeftoverIdTag, uint64_t>;
  struct Leftover {
    ProcessHandle owner;  // whose it was
    pid_t pid;
    UniqueFd pidfd;
  };

  void OnExit(ProcessHandle handle, std::vector<RunnerEvent>* events);
  // Kills what `handle` left running and watches it die; returns how many are watched (or
  // wait for another look).
  int Sweep(ProcessHandle handle);
  void OnRecheck(std::vector<RunnerEvent>* events);
  int Track(ProcessHandle handle, pid_t pid, bool kill);
  void OnLeftoverGone(LeftoverId id, std::vector<RunnerEvent>* events);
  void Finish(ProcessHandle handle, std::vector<RunnerEvent>* events);
  bool IsRunning(ProcessHandle handle) const;
  void OnReadable(ProcessHandle handle, int stream, std::vector<RunnerEvent>* events);
  // Reads what a pipe holds now; false at end of file or error.
  bool Drain(ProcessHandle handle, Proc& p, int stream, bool until_empty,
             std::vector<RunnerEvent>* events);
  void ReapExitedChildren(std::vector<RunnerEvent>* events);
  void KillAll();

  std::string run_id_;
  std::string guard_exe_;
  CrashGuard guard_;
  Poller poller_;
  DeadlineTimer timer_;
  DeadlineTimer tick_;
  DeadlineTimer recheck_;  // another look for orphans caught in execve
  TerminationSignals signals_;
  UniqueFd dev_null_;
  PrivateTempDir spill_dir_;
  Spawner spawner_;
  rlimit original_nofile_{};
  bool raised_nofile_ = false;
  std::unordered_map<ProcessHandle, Proc> procs_;
  std::unordered_map<pid_t, ProcessHandle> by_pid_;
  std::vector<epoll_event> ready_;
  std::vector<RunnerEvent> pending_;  // events found outside Wait() (input that cannot block)
  std::vector<char*> argv_;
  std::vector<char*> envp_;
  ChildrenReader children_;
  std::vector<pid_t> child_pids_;
  std::string tag_;  // COREFLOW_RUN=... of the process being started
  std::unordered_map<LeftoverId, Leftover> leftovers_;
  std::unordered_map<pid_t, LeftoverId> leftover_pids_;
  std::unordered_set<pid_t> opaque_;  // orphans with no environment to read: never attributed
  LeftoverId next_leftover_{1};
  CpuMask own_cpus_;  // ours, put back after a child is started on a slot's CPUs
  bool own_cpus_known_ = false;
  std::string read_buffer_;
};

}  // namespace coreflow
