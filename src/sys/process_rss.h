#pragma once

#include <dirent.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace coreflow {

// The resident memory of whole process groups (a task and everything it started), for a
// watchdog. Each Sample() reads `proc_root`/PID/stat of every process once and sums the RSS of
// the groups passed to Watch(). Not thread-safe.
class ProcessGroupRss {
 public:
  explicit ProcessGroupRss(std::string proc_root = "/proc");
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
  bool Sample(std::unordered_map<int, uint64_t>* rss_by_pgid);

 private:
  // Reads `pid`/stat into buffer_; 0 or errno.
  int ReadStat(int dir_fd, const char* pid, size_t* size);

  std::string proc_root_;
  uint64_t page_size_;
  std::unordered_set<int> watched_;
  DIR* dir_ = nullptr;        // opened on the first scan, rewound for each later one
  std::vector<char> buffer_;  // one stat file, reused across processes and scans
};

}  // namespace coreflow
