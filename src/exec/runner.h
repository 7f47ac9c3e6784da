#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/time.h"
#include "exec/output_buffer.h"
#include "plan/task.h"
#include "sys/affinity.h"

namespace coreflow {

enum class OutputMode {
  kGroup,       // capture each task's stdout and stderr; print them whole when it ends
  kLineBuffer,  // pass on complete lines as they come (--line-buffer)
  kUngroup,     // the task writes straight to our stdout/stderr (-u)
};

struct LaunchSpec {
  const Command* command = nullptr;
  char* const* envp = nullptr;
  OutputMode output = OutputMode::kGroup;
  int cgroup_procs_fd = -1;  // the task's cgroup (a per-slot memory limit), if any
  int slot = 0;              // 1-based
  int stdin_fd = -1;         // the child's stdin (-1: /dev/null)
  int result_fd = -1;        // becomes the child's descriptor 3 (a warm worker's answers)
  const std::string* worker_request = nullptr;  // --worker: the task's request line
  const CpuMask* cpus = nullptr;                // --bind: the slot's CPUs
  int threads = 0;  // threads per task: a warm worker started for another count is replaced
  int stage = 0;    // a pipeline's stage: which runner of StageRunners it goes to
  // Bumped when --tune-param values change: a warm worker started under others is replaced.
  uint64_t params_generation = 0;
};

// What a task printed, once it ended (kGroup).
struct CapturedOutput {
  explicit CapturedOutput(PrivateTempDir* spill) : out(spill), err(spill) {}
  OutputBuffer out;
  OutputBuffer err;
  int spill_error = 0;  // errno of a failed spill, if any
};

struct RunnerEvent {
  enum class Kind {
    kExited,
    kOutput,
    kSignal,
    kTimer,
    kTick,
    kInputReady,
    kReadable,     // a descriptor given to WatchReadable (handle: its cookie)
    kWritable,     // a descriptor given to WatchWritable (handle: its cookie)
    kBegan,        // the task really began (a warm worker got its request): at
    kWorkerReady,  // a warm worker in `slot` is ready after `startup`
  };
  Kind kind = Kind::kTimer;
  uint64_t handle = 0;                     // kExited, kOutput: the handle given to Start()
  int wait_status = 0;                     // kExited: as from wait(2)
  rusage usage{};                          // kExited: the task's own CPU time and peak RSS
  Nanos at = 0;                            // kExited: when the exit was seen
  std::unique_ptr<CapturedOutput> output;  // kExited in kGroup mode
  int stream = 0;                          // kOutput: 1 or 2
  std::string data;                        // kOutput: bytes read (kLineBuffer mode)
  int signal = 0;                          // kSignal
  Nanos began = 0;                         // kExited: when it began, if not at Start()
  int slot = 0;                            // kWorkerReady
  Nanos startup = 0;                       // kWorkerReady
  std::string note;                        // kExited: coreflow's own word on why it ended
};

// Starts and watches task processes. The one production implementation forks; tests use fakes.
class Runner {
 public:
  virtual ~Runner() = default;

  // Starts a process for `handle`. Returns 0, or errno: ENOENT, EACCES, ENOEXEC, E2BIG mean the
  // command cannot be executed; EAGAIN, EMFILE, ENFILE, ENOMEM are transient.
  virtual int Start(uint64_t handle, const LaunchSpec& spec) = 0;
  // The process group of a running task (its leader's pid), 0 if none.
  virtual int ProcessGroup(uint64_t handle) const = 0;
  // The process group of the running task an orphan of coreflow's came from (it escaped the
  // group, then lost its parent), by its tag; 0 when none.
  virtual int OrphanGroup(int /*pid*/) const { return 0; }
  // Signals the process group of a started task.
  virtual void Signal(uint64_t handle, int signal) = 0;
  // Wakes Wait() with a kTimer event at monotonic time `at` (0 disarms).
  virtual void ArmTimer(Nanos at) = 0;
  // Wakes Wait() with a kTick event at `at` (0 disarms): the engine's own housekeeping, such
  // as syncing the journal, kept apart from the scheduler's timer.
  virtual void ArmTick(Nanos at) = 0;
  // Wakes Wait() with kInputReady once `fd` is readable.
  virtual void WatchInput(int fd) = 0;
  // Blocks until something happens and appends what did. False with *err on a fatal error.
  virtual bool Wait(std::vector<RunnerEvent>* events, std::string* err) = 0;
  virtual Nanos Now() = 0;
  // Ends every process left behind (re-parented orphans): SIGTERM, `grace`, SIGKILL.
  virtual void EndStragglers(Nanos grace) = 0;
  // The run now uses slots 1..slots (a reshape): what a runner keeps per slot above may go.
  virtual void SetSlots(int /*slots*/) {}
};

// True for Start() errors that mean "try again later" rather than "this command is broken".
bool IsTransientSpawnError(int err);

}  // namespace coreflow
