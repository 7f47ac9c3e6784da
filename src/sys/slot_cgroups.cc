#include "sys/slot_cgroups.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <sstream>

#include <fmt/format.h>

#include "base/parse.h"
#include "sys/cgroup.h"

namespace coreflow {
namespace {

// Writes `text` to an existing control file. 0 or errno.
int WriteControl(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = WriteAll(fd, text);
  if (::close(fd) != 0 && e == 0 && errno != EINTR) e = errno;
  return e;
}

std::vector<int64_t> ReadPids(const std::string& procs_file) {
  std::vector<int64_t> pids;
  std::string text;
  if (!ReadSmallFile(procs_file, &text)) return pids;
  std::istringstream in(text);
  std::string word;
  int64_t pid = 0;
  while (in >> word) {
    if (ParseInt(word, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

bool ListsWord(const std::string& path, const std::string& word) {
  std::string text;
  if (!ReadSmallFile(path, &text)) return false;
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w == word) return true;
  }
  return false;
}

std::vector<std::string> SubdirsStartingWith(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  ::closedir(d);
  return names;
}

// Kills what is left in a cgroup and removes it. Killed processes take a moment to leave.
void RemoveCgroup(const std::string& dir) {
  for (int round = 0; round < 200; ++round) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    for (int64_t pid : ReadPids(dir + "/cgroup.procs")) ::kill(static_cast<pid_t>(pid), SIGKILL);
    timespec pause{0, 5'000'000};
    ::nanosleep(&pause, nullptr);
  }
}

// Removes the cgroups of an earlier coreflow that died without cleaning up (SIGKILL).
void RemoveStale(const std::string& own) {
  for (const std::string& name : SubdirsStartingWith(own, "coreflow.")) {
    int64_t pid = 0;
    if (!ParseInt(name.substr(9), &pid) || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive
    std::string base = own + "/" + name;
    for (const std::string& slot : SubdirsStartingWith(base, "slot-")) {
      RemoveCgroup(base + "/" + slot);
    }
    if (::rmdir(base.c_str()) != 0 && errno == EBUSY) {
      // v2: its supervisor cgroup, if that is all that is left.
      ::rmdir((base + "/supervisor").c_str());
      ::rmdir(base.c_str());
    }
  }
}

}  // namespace

uint64_t ReadKeyedCounter(const std::string& path, const std::string& key) {
  std::string text;
  if (!ReadSmallFile(path, &text)) return 0;
  std::istringstream lines(text);
  std::string k, v;
  while (lines >> k >> v) {
    int64_t n = 0;
    if (k == key && ParseInt(v, &n) && n >= 0) return static_cast<uint64_t>(n);
  }
  return 0;
}

std::unique_ptr<SlotCgroups> SlotCgroups::Create(const std::string& root, int slots, uint64_t limit,
                                                 std::string* why) {
  std::vector<CgroupDir> dirs = CgroupDirsFor(root, "memory");
  const CgroupDir* chosen = nullptr;
  for (const CgroupDir& d : dirs) {
    if (!d.v2) {
      chosen = &d;  // innermost v1 memory cgroup: the one that accounts our memory
      break;
    }
  }
  if (chosen == nullptr && !dirs.empty() && dirs.front().v2) chosen = &dirs.front();
  if (chosen == nullptr) {
    *why = "no cgroup memory controller is mounted";
    return nullptr;
  }
  std::unique_ptr<SlotCgroups> g(new SlotCgroups());
  g->own_ = chosen->path;
  g->v2_ = chosen->v2;
  g->base_ = fmt::format("{}/coreflow.{}", g->own_, ::getpid());
  if (g->v2_) {
    if (!ListsWord(g->own_ + "/cgroup.controllers", "memory")) {
      *why = fmt::format("the memory controller is not delegated to {}", g->own_);
      return nullptr;
    }
    std::vector<int64_t> procs = ReadPids(g->own_ + "/cgroup.procs");
    if (procs.size() != 1 || procs[0] != ::getpid()) {
      *why = fmt::format(
          "{} holds other processes too; run coreflow in a cgroup of its own "
          "(systemd-run --user --scope -p Delegate=yes coreflow ...)",
          g->own_);
      return nullptr;
    }
  }
  RemoveStale(g->own_);
  if (::mkdir(g->base_.c_str(), 0755) != 0) {
    *why = fmt::format("cannot create cgroup {}: {}", g->base_, ErrnoText(errno));
    g->base_.clear();
    return nullptr;
  }
  if (g->v2_) {
    std::string supervisor = g->base_ + "/supervisor";
    int e = ::mkdir(supervisor.c_str(), 0755) == 0 ? 0 : errno;
    if (e == 0) e = WriteControl(supervisor + "/cgroup.procs", "0");
    if (e == 0) g->moved_self_ = true;
    if (e == 0 && !ListsWord(g->own_ + "/cgroup.subtree_control", "memory")) {
      e = WriteControl(g->own_ + "/cgroup.subtree_control", "+memory");
      g->enabled_memory_ = e == 0;
    }
    if (e == 0) e = WriteControl(g->base_ + "/cgroup.subtree_control", "+memory");
    if (e != 0) {
      *why = fmt::format("cannot enable memory limits below {}: {}", g->own_, ErrnoText(e));
      return nullptr;  // the destructor undoes what was done
    }
  }
  g->limit_ = limit;
  for (int n = 1; n <= slots; ++n) {
    if (int e = g->AddSlot(n, limit)) {
      *why = fmt::format("cannot set up cgroup {}/slot-{}: {}", g->base_, n, ErrnoText(e));
      return nullptr;
    }
  }
  return g;
}

int SlotCgroups::AddSlot(int n, uint64_t limit) {
  Slot s;
  s.dir = fmt::format("{}/slot-{}", base_, n);
  if (::mkdir(s.dir.c_str(), 0755) != 0) return errno;
  slots_.push_back(Slot{s.dir, UniqueFd()});
  std::string bytes = std::to_string(limit);
  if (v2_) {
    if (int e = WriteControl(s.dir + "/memory.max", bytes)) return e;
    WriteControl(s.dir + "/memory.swap.max", "0");   // absent without swap accounting
    WriteControl(s.dir + "/memory.oom.group", "1");  // the whole task goes, not one process
  } else {
    if (int e = WriteControl(s.dir + "/memory.limit_in_bytes", bytes)) return e;
    WriteControl(s.dir + "/memory.memsw.limit_in_bytes", bytes);  // absent without swap
    std::string oom;
    // Without an oom_kill counter (kernels before 4.13) a kill could not be told apart.
    if (!ReadSmallFile(s.dir + "/memory.oom_control", &oom) ||
        oom.find("oom_kill ") == std::string::npos) {
      return ENOTSUP;
    }
  }
  int fd = ::open((s.dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  slots_.back().procs.Reset(fd);
  return 0;
}

int SlotCgroups::slot_count() const {
  auto n = static_cast<int>(slots_.size());
  return n > 0 && !slots_.back().procs.valid() ? n - 1 : n;
}

int SlotCgroups::ProcsFd(int slot) const {
  return slot >= 1 && slot <= slot_count() ? slots_[static_cast<size_t>(slot - 1)].procs.get() : -1;
}

int SlotCgroups::Grow(int slots) {
  if (slot_count() < static_cast<int>(slots_.size())) return EIO;  // a slot failed before
  for (int n = slot_count() + 1; n <= slots; ++n) {
    if (int e = AddSlot(n, limit_)) return e;
  }
  return 0;
}

uint64_t SlotCgroups::OomKills(int slot) const {
  if (slot < 1 || slot > slot_count()) return 0;
  const std::string& dir = slots_[static_cast<size_t>(slot - 1)].dir;
  return v2_ ? ReadKeyedCounter(dir + "/memory.events", "oom_kill")
             : ReadKeyedCounter(dir + "/memory.oom_control", "oom_kill");
}

void SlotCgroups::MoveSelfBack() {
  if (enabled_memory_) WriteControl(own_ + "/cgroup.subtree_control", "-memory");
  if (moved_self_) WriteControl(own_ + "/cgroup.procs", "0");
  ::rmdir((base_ + "/supervisor").c_str());
}

SlotCgroups::~SlotCgroups() {
  for (Slot& s : slots_) {
    s.procs.Reset();
    RemoveCgroup(s.dir);
  }
  if (base_.empty()) return;
  if (v2_) {
    WriteControl(base_ + "/cgroup.subtree_control", "-memory");
    MoveSelfBack();
  }
  ::rmdir(base_.c_str());
}

}  // namespace coreflow
