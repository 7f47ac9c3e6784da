#pragma once

// An in-memory Disk for tests of code that declares, checks and cleans files: no file system,
// every call counted, and errors injected per path.

#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sys/disk.h"

namespace coreflow::testutil {

class FakeDisk : public Disk {
 public:
  // Puts a file at `path` (a new inode, so it differs from whatever was there); returns it.
  FileIdentity Write(const std::string& path, int64_t size = 1) {
    FileIdentity id;
    id.exists = true;
    id.dev = 1;
    id.ino = ++last_inode_;
    id.mtime_ns = ++clock_;
    id.size = size;
    files_[path] = id;
    return id;
  }
  bool Has(const std::string& path) const { return files_.count(path) > 0; }

  FileIdentity Stat(const std::string& path) override {
    ++stats;
    auto it = files_.find(path);
    return it == files_.end() ? FileIdentity{} : it->second;
  }
  int Remove(const std::string& path) override {
    removed.push_back(path);
    if (auto it = fail_.find(path); it != fail_.end()) return it->second;
    files_.erase(path);
    return 0;
  }
  int Move(const std::string& from, const std::string& to) override {
    moved.push_back(from + " -> " + to);
    if (auto it = fail_.find(from); it != fail_.end()) return it->second;
    auto it = files_.find(from);
    if (it == files_.end()) return ENOENT;
    files_[to] = it->second;
    files_.erase(from);
    return 0;
  }
  int List(const std::string& dir, std::vector<std::string>* names) override {
    ++lists;
    names->clear();
    std::string prefix = dir == "." ? "" : dir == "/" ? "/" : dir + "/";
    bool found = dir == "." || dir == "/";
    std::set<std::string> seen = {".", ".."};
    for (const auto& [path, id] : files_) {
      if (path.compare(0, prefix.size(), prefix) != 0) continue;
      found = true;
      std::string rest = path.substr(prefix.size());
      seen.insert(rest.substr(0, rest.find('/')));  // a file, or the directory holding it
    }
    names->assign(seen.begin(), seen.end());
    return found ? 0 : ENOENT;
  }
  // Makes Remove and Move of `path` fail with `error`.
  void FailOn(const std::string& path, int error) { fail_[path] = error; }

  int stats = 0;
  int lists = 0;
  std::vector<std::string> removed;  // every Remove asked for, in order
  std::vector<std::string> moved;    // every Move asked for, as "from -> to"

 private:
  std::map<std::string, FileIdentity> files_;
  std::map<std::string, int> fail_;
  ino_t last_inode_ = 0;
  int64_t clock_ = 0;
};

}  // namespace coreflow::testutil
