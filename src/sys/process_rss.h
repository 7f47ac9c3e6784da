#pragma once

#include <dirent.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace coreflow {

// The resident memory of whole tasks (a process group and everything that escaped it), for a
// watchdog. Each Sample() reads `proc_root`/PID/stat of every process once and sums the RSS of
// the groups passed to Watch(), and of every process descended from one of them though it left
// the group (setsid, setpgid): its parent chain leads back to a member, or to coreflow itself,
// which adopted it when its parent died, and then `adopt` names the group it came from. Not
// thread-safe.
class ProcessGroupRss {
 public:
  // Which watched group an orphan (a process whose parent is `self`) belongs to, 0 for none.
  using Adopt = std::function<int(int pid)>;

  explicit ProcessGroupRss(std::string proc_root = "/proc", int self = 0);
  ~ProcessGroupRss();
  ProcessGroupRss(const ProcessGroupRss&) = delete;
  ProcessGroupRss& operator=(const ProcessGroupRss&) = delete;

  void Watch(int pgid) { watched_.insert(pgid); }
  void Unwatch(int pgid) { watched_.erase(pgid); }

  // Replaces *rss_by_pgid with the summed RSS in bytes of every watched group that has a
  // process left; a group whose processes have all exited is absent. Reads nothing while no
  // group is watched. Processes that exit during the scan, or that /proc hides, are skipped.
  // False, with errno set and the map empty, when the proc directory or a stat file cannot be
  // read for another reason (EMFILE, say).
  bool Sample(std::unordered_map<int, uint64_t>* rss_by_pgid, const Adopt& adopt = nullptr);

 private:
  struct Proc {
    int ppid;
    int pgid;
    uint64_t rss;
  };
  // Reads `pid`/stat into buffer_; 0 or errno.
  int ReadStat(int dir_fd, const char* pid, size_t* size);
  // The watched group `pid` belongs to by its parent chain, 0 for none (memoized in owner_).
  int Owner(int pid, const Adopt& adopt);

  std::string proc_root_;
  int self_;
  uint64_t page_size_;
  std::unordered_map<int, Proc> procs_;          // this sample's processes outside watched groups
  std::unordered_map<int, int> owner_;           // this sample's answers of Owner()
  std::unordered_map<int, int> watched_member_;  // this sample's members of watched groups
  std::unordered_set<int> watched_;
  DIR* dir_ = nullptr;        // opened on the first scan, rewound for each later one
  std::vector<char> buffer_;  // one stat file, reused across processes and scans
};

}  // namespace coreflow
