#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"

namespace coreflow {

// Every process coreflow starts carries COREFLOW_RUN=<run id>.<process number> in its
// environment, and so does everything it starts in turn (unless that clears its environment).
// This is how coreflow finds what a task left running: an orphan that came back to it (it is a
// subreaper) names the task it belongs to, and after coreflow itself was killed, a resume or
// the crash guard finds every process of the dead run by its id. Pids are reused; a tag read
// from a process that was opened as a pidfd first is exact.
inline constexpr std::string_view kRunTagName = "COREFLOW_RUN";

// "COREFLOW_RUN=<run id>.<process>": the environment entry.
std::string RunTagEntry(std::string_view run_id, uint64_t process);

struct RunTag {
  std::string run_id;
  uint64_t process = 0;
};
// Parses "<run id>.<process>", the value of the entry.
bool ParseRunTag(std::string_view value, RunTag* out);

// The value of `name` in an environment block as /proc/PID/environ holds it (NUL-separated
// NAME=value entries). False when absent.
bool FindEnvironmentValue(std::string_view block, std::string_view name, std::string_view* value);

// The run tag of live process `pid`, from `proc_root`/PID/environ. False when it has none, is
// gone (a zombie's environment reads empty) or cannot be read (another user's process).
bool ReadRunTag(pid_t pid, RunTag* out, const std::string& proc_root = "/proc");

// The same, telling apart a process whose environment reads empty: gone, a kernel thread, one
// started with none (env -i), or one in the middle of execve, whose new environment shows a
// moment later. Such a process is worth a second look. One that cannot be read (another
// user's) is kNone.
enum class TagRead { kTagged, kNone, kEmpty };
TagRead ReadRunTagOf(pid_t pid, RunTag* out, const std::string& proc_root = "/proc");

// The live processes whose tag names one of `run_ids`, this process and its ancestors left
// out (a coreflow started by a task of that run is part of it, but must not end itself).
std::vector<pid_t> FindRunProcesses(const std::vector<std::string>& run_ids,
                                    const std::string& proc_root = "/proc");

// The same, and the suspects: live processes (no kernel thread, no zombie) whose environment
// reads empty and that started at or after `since` (seconds since the epoch; 0 for none), as
// a process of the run caught in the middle of execve does.
struct RunScan {
  std::vector<pid_t> tagged;
  std::vector<pid_t> suspects;
};
RunScan ScanRun(const std::vector<std::string>& run_ids, double since,
                const std::string& proc_root = "/proc");

// When process `pid` started, in seconds since the epoch; 0 when unknown.
double ProcessStartTime(pid_t pid, const std::string& proc_root = "/proc");

// The live processes of process group `pgid` (zombies left out), from `proc_root`.
std::vector<pid_t> ListProcessGroup(pid_t pgid, const std::string& proc_root = "/proc");

// SIGKILLs every process of the runs and waits (on pidfds, not by polling) until they are
// gone, scanning again until a scan finds none: a process may start another while it is being
// killed. A process in the middle of execve shows no environment for a moment: while a suspect
// started since `since` is there (2 s at most), it looks again. Gives up after `timeout` (a
// process stuck in the kernel, say).
struct EndedProcesses {
  int killed = 0;        // processes signalled
  bool all_gone = true;  // false when some were still there after `timeout`
};
EndedProcesses EndRunProcesses(const std::vector<std::string>& run_ids, double since,
                               Nanos timeout);

}  // namespace coreflow
