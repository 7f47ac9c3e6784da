#include "sys/process.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <string>

#include "sys/fd.h"

extern char** environ;

namespace coreflow {

Environment ProcessEnvironment() {
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) entries.emplace_back(*e);
  return Environment(entries);
}

int BecomeChildSubreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : errno; }

std::vector<pid_t> ListChildren() {
  std::vector<pid_t> children;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return children;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string text;
    if (!ReadSmallFile(std::string("/proc/self/task/") + entry->d_name + "/children", &text)) {
      continue;
    }
    std::istringstream in(text);
    pid_t pid = 0;
    while (in >> pid) children.push_back(pid);
  }
  ::closedir(dir);
  return children;
}

int ChildrenReader::Open() {
  std::string path = "/proc/self/task/" + std::to_string(::gettid()) + "/children";
  fd_.Reset(OpenForReading(path));
  return fd_.valid() ? 0 : errno;
}

bool ChildrenReader::Read(std::vector<pid_t>* out) {
  out->clear();
  if (!fd_.valid()) return false;
  if (buffer_.size() < 4096) buffer_.resize(4096);
  size_t used = 0;
  for (;;) {
    ssize_t n =
        ::pread(fd_.get(), buffer_.data() + used, buffer_.size() - used, static_cast<off_t>(used));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    used += static_cast<size_t>(n);
    if (n == 0 || used < buffer_.size()) break;
    buffer_.resize(buffer_.size() * 2);  // many children: read on
  }
  pid_t pid = 0;
  bool in_number = false;
  for (size_t i = 0; i < used; ++i) {
    char c = buffer_[i];
    if (c >= '0' && c <= '9') {
      pid = pid * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      out->push_back(pid);
      pid = 0;
      in_number = false;
    }
  }
  if (in_number) out->push_back(pid);
  return true;
}

SelfUsage GetSelfUsage() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) {
    return static_cast<int64_t>(tv.tv_sec) * 1'000'000'000 +
           static_cast<int64_t>(tv.tv_usec) * 1000;
  };
  SelfUsage u{ns(ru.ru_utime), ns(ru.ru_stime), ru.ru_maxrss};
  // ru_maxrss survives execve, so it can report the memory of whatever forked us; VmHWM is the
  // peak of this program's own address space.
  std::string status;
  if (ReadSmallFile("/proc/self/status", &status)) {
    size_t at = status.find("VmHWM:");
    if (at != std::string::npos) u.max_rss_kib = std::strtoll(status.c_str() + at + 6, nullptr, 10);
  }
  return u;
}

bool RaiseFileLimit(rlimit* original) {
  rlimit current{};
  if (::getrlimit(RLIMIT_NOFILE, &current) != 0) return false;
  rlim_t target = current.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20
                                                    : std::min<rlim_t>(current.rlim_max, 1 << 20);
  if (current.rlim_cur >= target) return false;
  rlimit raised = current;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) return false;
  *original = current;
  return true;
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int PidfdSignal(int pidfd, int signal) {
  return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0 ? 0 : errno;
}

namespace {

// Adds one /proc/PID/stat to *out: the process's CPU time, that of the children it has waited
// for, and its resident memory.
bool AddStat(const std::string& stat, ProcessUsage* out) {
  // Field 2 is "(comm)" and may hold anything: the fields that follow start at the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  uint64_t v[25] = {};
  for (int n = 3; n <= 24 && fields >> field; ++n) v[n] = std::strtoull(field.c_str(), nullptr, 10);
  long ticks = ::sysconf(_SC_CLK_TCK);
  long page = ::sysconf(_SC_PAGESIZE);
  int64_t tick_ns = 1'000'000'000 / (ticks > 0 ? ticks : 100);
  out->user_ns += static_cast<int64_t>(v[14] + v[16]) * tick_ns;
  out->sys_ns += static_cast<int64_t>(v[15] + v[17]) * tick_ns;
  out->rss_bytes += v[24] * static_cast<uint64_t>(page > 0 ? page : 4096);
  return true;
}

}  // namespace

bool ReadTreeUsage(pid_t pid, ProcessUsage* out) {
  *out = ProcessUsage{};
  std::vector<std::string> todo{std::to_string(pid)};
  std::string text;
  bool any = false;
  // A few reads per process (no scan of /proc): cheap enough to do around every task.
  for (size_t i = 0; i < todo.size() && i < 4096; ++i) {
    std::string dir = "/proc/" + todo[i];
    if (!ReadSmallFile(dir + "/stat", &text) || !AddStat(text, out)) continue;
    any = true;
    if (!ReadSmallFile(dir + "/task/" + todo[i] + "/children", &text)) continue;
    std::istringstream children(text);
    for (std::string child; children >> child;) todo.push_back(child);
  }
  return any;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

}  // namespace coreflow
