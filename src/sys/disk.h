#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sys/file_state.h"

namespace coreflow {

// The few file operations declared outputs need, behind an interface so their rules can be
// tested on an in-memory disk (ninja's DiskInterface).
class Disk {
 public:
  virtual ~Disk() = default;
  // What is at `path`: absent (exists = false) when stat(2) fails for any reason.
  virtual FileIdentity Stat(const std::string& path) = 0;
  // unlink(2); a file already gone counts as removed. Returns 0 or errno.
  virtual int Remove(const std::string& path) = 0;
  // rename(2), replacing `to`. Returns 0 or errno.
  virtual int Move(const std::string& from, const std::string& to) = 0;
  // The names in `dir`, with "." and "..", unsorted. Returns 0 or errno.
  virtual int List(const std::string& dir, std::vector<std::string>* names) = 0;
};

// The real file system.
class SystemDisk : public Disk {
 public:
  FileIdentity Stat(const std::string& path) override;
  int Remove(const std::string& path) override;
  int Move(const std::string& from, const std::string& to) override;
  int List(const std::string& dir, std::vector<std::string>* names) override;
};

// Answers "does this path exist?" for many paths with one listing per directory, cached:
// 100,000 outputs in one directory cost one List, not 100,000 Stat calls.
class DirectoryIndex {
 public:
  explicit DirectoryIndex(Disk* disk) : disk_(disk) {}
  bool Exists(const std::string& path);
  // Takes a listing of `dir` read elsewhere (a --find walk), so that it is not read again.
  // A directory already known keeps what it has.
  void Know(const std::string& dir, const std::vector<std::string>& names);
  size_t scans() const { return scans_; }

 private:
  Disk* disk_;
  std::unordered_map<std::string, std::unordered_set<std::string>> dirs_;
  size_t scans_ = 0;
};

}  // namespace coreflow
