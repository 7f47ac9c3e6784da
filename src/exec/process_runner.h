#pragma once

#include <sys/epoll.h>
#include <sys/resource.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "exec/crash_guard.h"
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
class ProcessRunner : public Runner {
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

  int Start(uint64_t handle, const LaunchSpec& spec) override;
  int ProcessGroup(uint64_t handle) const override;
  int OrphanGroup(int pid) const override;
  void Signal(uint64_t handle, int signal) override;
  void ArmTimer(Nanos at) override;
  void ArmTick(Nanos at) override;
  void WatchInput(int fd) override;
  bool Wait(std::vector<RunnerEvent>* events, std::string* err) override;
  Nanos Now() override;
  void EndStragglers(Nanos grace) override;

  // For warm workers (WorkerRunner), which live across tasks:
  // Wakes Wait() with kReadable (handle = cookie) while `fd` is readable. 0 or errno.
  int WatchReadable(int fd, uint64_t cookie);
  // Wakes Wait() with kWritable (handle = cookie) while `fd` has room. 0 or errno.
  int WatchWritable(int fd, uint64_t cookie);
  void Unwatch(int fd);
  // Whether the process started for `handle` has exited (its exit may not be reported yet).
  bool HasExited(uint64_t handle) const;
  // Ends the output captured for `handle` so far and starts a new capture (kGroup); in
  // --line-buffer mode what the pipes held comes out as kOutput events instead.
  std::unique_ptr<CapturedOutput> CutOutput(uint64_t handle, std::vector<RunnerEvent>* events);
  // The CPU time and memory of the process started for `handle` and its descendants.
  bool Usage(uint64_t handle, ProcessUsage* out) const;

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
  struct Leftover {
    uint64_t handle;  // whose it was
    pid_t pid;
    UniqueFd pidfd;
  };

  void OnExit(uint64_t handle, std::vector<RunnerEvent>* events);
  // Kills what `handle` left running and watches it die; returns how many are watched (or
  // wait for another look).
  int Sweep(uint64_t handle);
  void OnRecheck(std::vector<RunnerEvent>* events);
  int Track(uint64_t handle, pid_t pid, bool kill);
  void OnLeftoverGone(uint64_t id, std::vector<RunnerEvent>* events);
  void Finish(uint64_t handle, std::vector<RunnerEvent>* events);
  bool IsRunning(uint64_t handle) const;
  void OnReadable(uint64_t handle, int stream, std::vector<RunnerEvent>* events);
  // Reads what a pipe holds now; false at end of file or error.
  bool Drain(uint64_t handle, Proc& p, int stream, bool until_empty,
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
  std::unordered_map<uint64_t, Proc> procs_;
  std::unordered_map<pid_t, uint64_t> by_pid_;
  std::vector<epoll_event> ready_;
  std::vector<RunnerEvent> pending_;  // events found outside Wait() (input that cannot block)
  std::vector<char*> argv_;
  std::vector<char*> envp_;
  ChildrenReader children_;
  std::vector<pid_t> child_pids_;
  std::string tag_;  // COREFLOW_RUN=... of the process being started
  std::unordered_map<uint64_t, Leftover> leftovers_;  // by id
  std::unordered_map<pid_t, uint64_t> leftover_pids_;
  std::unordered_set<pid_t> opaque_;  // orphans with no environment to read: never attributed
  uint64_t next_leftover_ = 1;
  CpuMask own_cpus_;  // ours, put back after a child is started on a slot's CPUs
  bool own_cpus_known_ = false;
  std::string read_buffer_;
};

}  // namespace coreflow
