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

// The parent (field 4), process group (field 5) and state (field 3) of a stat line.
bool ParseStatLine(std::string_view text, char* state, pid_t* ppid, pid_t* pgrp) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return false;
  text.remove_prefix(close + 2);
  *state = text[0];
  int64_t values[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) return false;
    text.remove_prefix(space + 1);
    size_t end = text.find(' ');
    if (!ParseInt(text.substr(0, end), &values[i])) return false;
  }
  *ppid = static_cast<pid_t>(values[0]);
  *pgrp = static_cast<pid_t>(values[1]);
  return true;
}

bool ReadStat(const std::string& proc_root, pid_t pid, char* state, pid_t* ppid, pid_t* pgrp) {
  std::string text;
  return ReadSmallFile(fmt::format("{}/{}/stat", proc_root, pid), &text) &&
         ParseStatLine(text, state, ppid, pgrp);
}

// This process and every ancestor of it: never to be ended by it.
std::set<pid_t> SelfAndAncestors(const std::string& proc_root) {
  std::set<pid_t> out;
  pid_t pid = ::getpid();
  for (int depth = 0; pid > 1 && depth < 4096 && out.insert(pid).second; ++depth) {
    char state;
    pid_t ppid = 0, pgrp = 0;
    if (!ReadStat(proc_root, pid, &state, &ppid, &pgrp)) break;
    pid = ppid;
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
  if (!ReadSmallFile(fmt::format("{}/{}/environ", proc_root, pid), &block, kMaxEnvironmentBytes) ||
      block.empty()) {
    return TagRead::kEmpty;
  }
  std::string_view value;
  return FindEnvironmentValue(block, kRunTagName, &value) && ParseRunTag(value, out)
             ? TagRead::kTagged
             : TagRead::kNone;
}

bool ReadRunTag(pid_t pid, RunTag* out, const std::string& proc_root) {
  return ReadRunTagOf(pid, out, proc_root) == TagRead::kTagged;
}

std::vector<pid_t> FindRunProcesses(const std::vector<std::string>& run_ids,
                                    const std::string& proc_root) {
  std::vector<pid_t> found;
  if (run_ids.empty()) return found;
  std::set<pid_t> spared = SelfAndAncestors(proc_root);
  ForEachProcess(proc_root, [&](pid_t pid) {
    RunTag tag;
    if (spared.count(pid) != 0 || !ReadRunTag(pid, &tag, proc_root)) return;
    if (std::find(run_ids.begin(), run_ids.end(), tag.run_id) != run_ids.end()) {
      found.push_back(pid);
    }
  });
  return found;
}

std::vector<pid_t> ListProcessGroup(pid_t pgid, const std::string& proc_root) {
  std::vector<pid_t> members;
  ForEachProcess(proc_root, [&](pid_t pid) {
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    if (ReadStat(proc_root, pid, &state, &ppid, &pgrp) && pgrp == pgid && state != 'Z' &&
        state != 'X') {
      members.push_back(pid);
    }
  });
  return members;
}

EndedProcesses EndRunProcesses(const std::vector<std::string>& run_ids, Nanos timeout) {
  EndedProcesses result;
  Nanos deadline = MonotonicNow() + timeout;
  int confirmations = 0;
  for (;;) {
    std::vector<pid_t> pids = FindRunProcesses(run_ids);
    if (pids.empty()) {
      if (++confirmations > 2) return result;
      ::poll(nullptr, 0, 5 * confirmations);  // a process in execve shows its tag again soon
      continue;
    }
    confirmations = 0;
    std::vector<pollfd> waits;
    for (pid_t pid : pids) {
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
