#include "sys/process_tag.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "base/parse.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/process.h"

namespace coreflow {
namespace {

// A process's environment is read whole up to this size; the tag is near its end.
constexpr size_t kMaxEnvironmentBytes = 8u << 20;
// How long a scan keeps looking at processes without an environment (in execve, most likely).
constexpr Nanos kSuspectWait = 2 * kNanosPerSecond;

bool IsPidName(const char* name) {
  size_t n = 0;
  for (; name[n] != '\0'; ++n) {
    if (name[n] < '0' || name[n] > '9' || n >= 10) return false;
  }
  return n > 0;
}

// Visits every numeric entry of the proc directory.
template <typename Visit>
void ForEachProcess(const std::string& proc_root, Visit visit) {
  DIR* dir = ::opendir(proc_root.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = ::readdir(dir)) {
    if (!IsPidName(entry->d_name)) continue;
    visit(static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10)));
  }
  ::closedir(dir);
}

// What the scans here need of a /proc/PID/stat line.
struct StatInfo {
  char state = 0;      // field 3
  pid_t ppid = 0;      // field 4
  pid_t pgrp = 0;      // field 5
  uint64_t flags = 0;  // field 9
  uint64_t start = 0;  // field 22: clock ticks after boot
};

constexpr uint64_t kKernelThread = 0x00200000;  // PF_KTHREAD

// Field 2 is "(comm)" and may hold anything: the fields that follow start at the last ')'.
bool ParseStatLine(std::string_view text, StatInfo* out) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return false;
  text.remove_prefix(close + 2);
  out->state = text[0];
  for (int field = 4; field <= 22; ++field) {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) return false;
    text.remove_prefix(space + 1);
    if (field != 4 && field != 5 && field != 9 && field != 22) continue;
    int64_t v = 0;
    if (!ParseInt(text.substr(0, text.find(' ')), &v)) return false;
    if (field == 4) out->ppid = static_cast<pid_t>(v);
    if (field == 5) out->pgrp = static_cast<pid_t>(v);
    if (field == 9) out->flags = static_cast<uint64_t>(v);
    if (field == 22) out->start = static_cast<uint64_t>(v);
  }
  return true;
}

bool ReadStat(const std::string& proc_root, pid_t pid, StatInfo* out) {
  std::string text;
  return ReadSmallFile(fmt::format("{}/{}/stat", proc_root, pid), &text) &&
         ParseStatLine(text, out);
}

// When the machine booted, in seconds since the epoch ("btime" of /proc/stat); 0 if unknown.
double BootTime(const std::string& proc_root) {
  std::string text;
  if (!ReadSmallFile(proc_root + "/stat", &text)) return 0;
  size_t at = text.find("\nbtime ");
  return at == std::string::npos ? 0 : std::strtod(text.c_str() + at + 7, nullptr);
}

// This process and every ancestor of it: never to be ended by it.
std::set<pid_t> SelfAndAncestors(const std::string& proc_root) {
  std::set<pid_t> out;
  pid_t pid = ::getpid();
  for (int depth = 0; pid > 1 && depth < 4096 && out.insert(pid).second; ++depth) {
    StatInfo stat;
    if (!ReadStat(proc_root, pid, &stat)) break;
    pid = stat.ppid;
  }
  return out;
}

}  // namespace

std::string RunTagEntry(std::string_view run_id, uint64_t process) {
  return fmt::format("{}={}.{}", kRunTagName, run_id, process);
}

bool ParseRunTag(std::string_view value, RunTag* out) {
  size_t dot = value.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  int64_t process = 0;
  if (!ParseInt(value.substr(dot + 1), &process) || process < 0) return false;
  out->run_id.assign(value.substr(0, dot));
  out->process = static_cast<uint64_t>(process);
  return true;
}

bool FindEnvironmentValue(std::string_view block, std::string_view name, std::string_view* value) {
  size_t at = 0;
  while (at < block.size()) {
    size_t end = block.find('\0', at);
    if (end == std::string_view::npos) end = block.size();
    std::string_view entry = block.substr(at, end - at);
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
        entry[name.size()] == '=') {
      *value = entry.substr(name.size() + 1);
      return true;
    }
    at = end + 1;
  }
  return false;
}

TagRead ReadRunTagOf(pid_t pid, RunTag* out, const std::string& proc_root) {
  std::string block;
  // Another user's process cannot be read: not ours. One that reads empty may be ours.
  if (!ReadSmallFile(fmt::format("{}/{}/environ", proc_root, pid), &block, kMaxEnvironmentBytes)) {
    return TagRead::kNone;
  }
  if (block.empty()) return TagRead::kEmpty;
  std::string_view value;
  return FindEnvironmentValue(block, kRunTagName, &value) && ParseRunTag(value, out)
             ? TagRead::kTagged
             : TagRead::kNone;
}

bool ReadRunTag(pid_t pid, RunTag* out, const std::string& proc_root) {
  return ReadRunTagOf(pid, out, proc_root) == TagRead::kTagged;
}

RunScan ScanRun(const std::vector<std::string>& run_ids, double since,
                const std::string& proc_root) {
  RunScan scan;
  if (run_ids.empty()) return scan;
  std::set<pid_t> spared = SelfAndAncestors(proc_root);
  double boot = since > 0 ? BootTime(proc_root) : 0;
  long ticks = ::sysconf(_SC_CLK_TCK);
  ForEachProcess(proc_root, [&](pid_t pid) {
    if (spared.count(pid) != 0) return;
    RunTag tag;
    TagRead read = ReadRunTagOf(pid, &tag, proc_root);
    if (read == TagRead::kTagged) {
      if (std::find(run_ids.begin(), run_ids.end(), tag.run_id) != run_ids.end()) {
        scan.tagged.push_back(pid);
      }
      return;
    }
    if (read != TagRead::kEmpty || boot <= 0) return;
    // No environment to read: gone, a kernel thread, or one in the middle of execve. The last
    // kind started after the run did, and is worth another look.
    StatInfo stat;
    if (!ReadStat(proc_root, pid, &stat) || stat.state == 'Z' || stat.state == 'X' ||
        (stat.flags & kKernelThread) != 0) {
      return;
    }
    double started =
        boot + static_cast<double>(stat.start) / static_cast<double>(ticks > 0 ? ticks : 100);
    if (started + 1 >= since) scan.suspects.push_back(pid);
  });
  return scan;
}

double ProcessStartTime(pid_t pid, const std::string& proc_root) {
  StatInfo stat;
  double boot = BootTime(proc_root);
  long ticks = ::sysconf(_SC_CLK_TCK);
  if (boot <= 0 || !ReadStat(proc_root, pid, &stat)) return 0;
  return boot + static_cast<double>(stat.start) / static_cast<double>(ticks > 0 ? ticks : 100);
}

std::vector<pid_t> FindRunProcesses(const std::vector<std::string>& run_ids,
                                    const std::string& proc_root) {
  return ScanRun(run_ids, 0, proc_root).tagged;
}

std::vector<pid_t> ListProcessGroup(pid_t pgid, const std::string& proc_root) {
  std::vector<pid_t> members;
  ForEachProcess(proc_root, [&](pid_t pid) {
    StatInfo stat;
    if (ReadStat(proc_root, pid, &stat) && stat.pgrp == pgid && stat.state != 'Z' &&
        stat.state != 'X') {
      members.push_back(pid);
    }
  });
  return members;
}

EndedProcesses EndRunProcesses(const std::vector<std::string>& run_ids, double since,
                               Nanos timeout) {
  EndedProcesses result;
  Nanos deadline = MonotonicNow() + timeout;
  Nanos suspects_until = 0;
  int confirmations = 0;
  for (;;) {
    RunScan scan = ScanRun(run_ids, since);
    if (scan.tagged.empty()) {
      Nanos now = MonotonicNow();
      if (!scan.suspects.empty() && now < deadline) {
        // Someone without an environment to read, started since the run did: in execve,
        // most likely. Look again until it shows one or dies (2 s at most: then it is not ours).
        if (suspects_until == 0) suspects_until = now + kSuspectWait;
        if (now < suspects_until) {
          ::poll(nullptr, 0, 10);
          continue;
        }
      }
      if (++confirmations > 1) return result;
      ::poll(nullptr, 0, 5);  // once more: a process between fork and exec shows up late
      continue;
    }
    confirmations = 0;
    std::vector<pollfd> waits;
    for (pid_t pid : scan.tagged) {
      // The pidfd first, then the tag again: the pid may have been reused by then.
      UniqueFd fd(PidfdOpen(pid));
      RunTag tag;
      if (!fd.valid() || !ReadRunTag(pid, &tag)) continue;
      if (PidfdSignal(fd.get(), SIGKILL) != 0) continue;
      ++result.killed;
      waits.push_back({fd.Release(), POLLIN, 0});
    }
    // A pidfd is readable once its process has exited (for any process, not only children).
    for (pollfd& w : waits) {
      Nanos left = deadline - MonotonicNow();
      int ms = left > 0 ? static_cast<int>(std::min<Nanos>(left / kNanosPerMilli + 1, 1 << 30)) : 0;
      int n;
      do n = ::poll(&w, 1, ms);
      while (n < 0 && errno == EINTR);
      ::close(w.fd);
      if (n == 0) result.all_gone = false;
    }
    if (!result.all_gone || MonotonicNow() >= deadline) {
      result.all_gone = result.all_gone && FindRunProcesses(run_ids).empty();
      return result;
    }
  }
}

}  // namespace coreflow
