#include "sys/process_rss.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sys/fd.h"

namespace coreflow {
namespace {

// A stat line is well under 1 KiB; the fields read here all come early in it.
constexpr size_t kStatBufferSize = 4096;

// /proc lists processes as directories named by their pid; threads are not listed.
bool IsPidName(const char* name) {
  size_t n = 0;
  for (; name[n] != '\0'; ++n) {
    if (name[n] < '0' || name[n] > '9' || n >= 10) return false;
  }
  return n > 0;
}

// Whether a failure to read a process's stat just means that it is gone or not ours to see.
bool IsSkippable(int e) {
  // ENOENT/ESRCH: it exited after readdir; EACCES/EPERM: hidepid; ENOTDIR: not a process.
  return e == ENOENT || e == ESRCH || e == EACCES || e == EPERM || e == ENOTDIR;
}

// A decimal field of a stat line; rss is never negative, but a '-' must not break parsing.
bool ParseField(std::string_view field, int64_t* value) {
  bool negative = !field.empty() && field[0] == '-';
  if (negative) field.remove_prefix(1);
  if (field.empty() || field.size() > 18) return false;  // no int64_t overflow
  int64_t v = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = negative ? -v : v;
  return true;
}

// The parent (field 4), process group (field 5) and resident pages (field 24) of a
// /proc/PID/stat line. Field 2 is "(comm)" and comm may hold spaces and ')', so the fields
// after it start at the last ')'.
bool ParseStat(std::string_view text, int64_t* ppid, int64_t* pgid, int64_t* rss_pages) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return false;
  text.remove_prefix(close + 1);
  for (int field = 3; field <= 24; ++field) {
    if (text.empty() || text[0] != ' ') return false;
    text.remove_prefix(1);
    size_t end = text.find_first_of(" \n");
    std::string_view value = text.substr(0, end);
    if (field == 4 && !ParseField(value, ppid)) return false;
    if (field == 5 && !ParseField(value, pgid)) return false;
    if (field == 24) return ParseField(value, rss_pages);
    text.remove_prefix(value.size());
  }
  return false;
}

}  // namespace

ProcessGroupRss::ProcessGroupRss(std::string proc_root, int self)
    : proc_root_(std::move(proc_root)),
      self_(self > 0 ? self : ::getpid()),
      buffer_(kStatBufferSize) {
  long size = ::sysconf(_SC_PAGESIZE);
  page_size_ = size > 0 ? static_cast<uint64_t>(size) : 4096;
}

ProcessGroupRss::~ProcessGroupRss() {
  if (dir_ != nullptr) ::closedir(dir_);
}

int ProcessGroupRss::ReadStat(int dir_fd, const char* pid, size_t* size) {
  char path[32];
  size_t n = std::strlen(pid);  // at most 10 digits (IsPidName)
  std::memcpy(path, pid, n);
  std::memcpy(path + n, "/stat", sizeof "/stat");
  int raw;
  do raw = ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
  while (raw < 0 && errno == EINTR);
  if (raw < 0) return errno;
  UniqueFd fd(raw);
  size_t used = 0;
  while (used < buffer_.size()) {
    ssize_t got = ReadSome(fd.get(), buffer_.data() + used, buffer_.size() - used);
    if (got < 0) return errno;  // ESRCH when the process exited after the open
    if (got == 0) break;
    used += static_cast<size_t>(got);
    // procfs returns the whole line at once; stopping at its newline saves a read per process.
    if (buffer_[used - 1] == '\n') break;
  }
  *size = used;
  return 0;
}

int ProcessGroupRss::Owner(int pid, const Adopt& adopt) {
  // Up the parent chain to a process whose owner is known; then every process on the way
  // gets that owner, so the whole sample costs one walk per process at most.
  std::vector<int> path;
  int owner = 0;
  for (int at = pid;;) {
    if (auto known = owner_.find(at); known != owner_.end()) {
      owner = known->second;
      break;
    }
    auto it = procs_.find(at);
    if (it == procs_.end()) break;  // a member of a watched group is not in procs_
    path.push_back(at);
    int parent = it->second.ppid;
    if (parent == self_) {  // an orphan coreflow adopted: its tag says whose it is
      owner = adopt ? adopt(at) : 0;
      if (!watched_.contains(owner)) owner = 0;
      break;
    }
    if (parent <= 1 || path.size() > 4096) break;  // init's, or a loop while processes change
    if (auto p = procs_.find(parent); p == procs_.end()) {
      // The parent is in a watched group (or gone): then it owns this one.
      owner = watched_member_.contains(parent) ? watched_member_[parent] : 0;
      break;
    }
    at = parent;
  }
  for (int p : path) owner_[p] = owner;
  return owner;
}

bool ProcessGroupRss::Sample(std::unordered_map<int, uint64_t>* rss_by_pgid, const Adopt& adopt) {
  rss_by_pgid->clear();
  procs_.clear();
  owner_.clear();
  watched_member_.clear();
  if (watched_.empty()) return true;  // the watchdog may poll often; idle polls read nothing
  if (dir_ == nullptr) {
    dir_ = ::opendir(proc_root_.c_str());
    if (dir_ == nullptr) return false;
  } else {
    ::rewinddir(dir_);  // re-reads the directory, so new processes show up
  }
  const int dir_fd = ::dirfd(dir_);
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(dir_);
    if (entry == nullptr) {
      if (errno == 0) break;
      rss_by_pgid->clear();  // clear() leaves errno alone
      return false;
    }
    if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN) continue;
    if (!IsPidName(entry->d_name)) continue;
    size_t size = 0;
    if (int e = ReadStat(dir_fd, entry->d_name, &size); e != 0) {
      if (IsSkippable(e)) continue;
      rss_by_pgid->clear();
      errno = e;
      return false;
    }
    int64_t ppid = 0, pgid = 0, pages = 0;
    if (!ParseStat(std::string_view(buffer_.data(), size), &ppid, &pgid, &pages)) continue;
    if (pgid <= 0 || pgid > INT32_MAX || ppid < 0 || ppid > INT32_MAX) continue;
    uint64_t bytes = pages > 0 ? static_cast<uint64_t>(pages) * page_size_ : 0;
    int pid = static_cast<int>(std::strtol(entry->d_name, nullptr, 10));
    if (watched_.contains(static_cast<int>(pgid))) {
      (*rss_by_pgid)[static_cast<int>(pgid)] += bytes;
      watched_member_[pid] = static_cast<int>(pgid);
    } else {
      procs_[pid] = Proc{static_cast<int>(ppid), static_cast<int>(pgid), bytes};
    }
  }
  // What escaped a watched group still counts as its own.
  for (const auto& [pid, p] : procs_) {
    if (p.ppid == 0 || pid == self_) continue;
    if (int owner = Owner(pid, adopt); owner != 0) (*rss_by_pgid)[owner] += p.rss;
  }
  return true;
}

}  // namespace coreflow
