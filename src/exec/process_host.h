#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/time.h"
#include "exec/runner.h"
#include "sys/process.h"

namespace coreflow {

// What starts and watches the processes of warm workers (WorkerRunner): a Runner's process
// side, plus the descriptor watches, output cuts and usage reads that let one process serve
// task after task. ProcessRunner is the one that forks; tests use a fake.
class ProcessHost {
 public:
  virtual ~ProcessHost() = default;

  // Starts a process for `process`. 0, or errno as Runner::Start.
  virtual int Start(ProcessHandle process, const LaunchSpec& spec) = 0;
  // The process group of a running process (its leader's pid), 0 if none.
  virtual int ProcessGroup(ProcessHandle process) const = 0;
  // As Runner::OrphanGroup.
  virtual int OrphanGroup(int pid) const = 0;
  // Signals the process group of a started process.
  virtual void Signal(ProcessHandle process, int signal) = 0;
  // Whether `process` has exited (its exit may not be reported yet).
  [[nodiscard]] virtual bool HasExited(ProcessHandle process) const = 0;
  // Ends the output captured for `process` so far and starts a new capture (kGroup); in
  // --line-buffer mode what the pipes held comes out as kOutput events instead.
  virtual std::unique_ptr<CapturedOutput> CutOutput(ProcessHandle process,
                                                    std::vector<RunnerEvent>* events) = 0;
  // The CPU time and memory of `process` and its descendants; false if unknown.
  [[nodiscard]] virtual bool Usage(ProcessHandle process, ProcessUsage* out) const = 0;

  // Wakes Wait() with kReadable (handle: `owner`) while `fd` is readable. 0 or errno.
  [[nodiscard]] virtual int WatchReadable(int fd, ProcessHandle owner) = 0;
  // Wakes Wait() with kWritable (handle: `owner`) while `fd` has room. 0 or errno.
  [[nodiscard]] virtual int WatchWritable(int fd, ProcessHandle owner) = 0;
  virtual void Unwatch(int fd) = 0;

  // As on Runner; the events' handles are process handles (or `owner`s above).
  virtual void ArmTimer(Nanos at) = 0;
  virtual void ArmTick(Nanos at) = 0;
  virtual void WatchInput(int fd) = 0;
  virtual bool Wait(std::vector<RunnerEvent>* events, std::string* err) = 0;
  virtual Nanos Now() = 0;
  virtual void EndStragglers(Nanos grace) = 0;
};

}  // namespace coreflow
