#pragma once

// An in-memory tree for tests of directory walks: directories added by path, reads counted,
// errors injected per directory, and gates that hold a read until the test opens them (to see
// what a walk gives out while a directory is slow). Read() is safe from several threads.

#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sys/directory.h"

namespace coreflow::testutil {

class FakeDirectories : public DirectoryReader {
 public:
  // Adds a file (and the directories above it) at `path`, relative to nothing: "r/a/x.pdb".
  void AddFile(const std::string& path) { Add(path, DirEntry::Type::kFile); }
  void AddDirectory(const std::string& path) { Add(path, DirEntry::Type::kDirectory); }
  void Fail(const std::string& dir, int error) { errors_[dir] = error; }
  // Reads of `dir` wait until Open(dir).
  void Gate(const std::string& dir) {
    std::lock_guard lock(mu_);
    gates_.insert(dir);
  }
  void Open(const std::string& dir) {
    {
      std::lock_guard lock(mu_);
      gates_.erase(dir);
    }
    opened_.notify_all();
  }
  // Returns once a read of `dir` waits at its gate.
  void AwaitWaitingAt(const std::string& dir) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return waiting_.count(dir) > 0; });
  }
  int reads() {
    std::lock_guard lock(mu_);
    return reads_;
  }

  int Read(const std::string& dir, std::vector<DirEntry>* entries) override {
    std::unique_lock lock(mu_);
    ++reads_;
    if (gates_.count(dir) > 0) {
      waiting_.insert(dir);
      changed_.notify_all();
      opened_.wait(lock, [&] { return gates_.count(dir) == 0; });
      waiting_.erase(dir);
    }
    if (auto e = errors_.find(dir); e != errors_.end()) return e->second;
    auto it = tree_.find(dir);
    if (it == tree_.end()) return ENOENT;
    // Backwards, as a real directory gives names in no useful order.
    for (auto e = it->second.rbegin(); e != it->second.rend(); ++e) {
      entries->push_back(DirEntry{e->first, e->second});
    }
    return 0;
  }

 private:
  void Add(const std::string& path, DirEntry::Type type) {
    std::lock_guard lock(mu_);
    std::string child = path;
    for (;;) {
      size_t slash = child.rfind('/');
      std::string dir = slash == std::string::npos ? "." : child.substr(0, slash);
      std::string name = slash == std::string::npos ? child : child.substr(slash + 1);
      tree_[dir][name] = type;
      tree_.try_emplace(child);  // so that an added directory can be read even when empty
      if (type == DirEntry::Type::kFile) tree_.erase(child);
      if (slash == std::string::npos) break;
      child = dir;
      type = DirEntry::Type::kDirectory;
    }
  }

  std::mutex mu_;
  std::condition_variable opened_;
  std::condition_variable changed_;
  std::map<std::string, std::map<std::string, DirEntry::Type>> tree_;
  std::map<std::string, int> errors_;
  std::set<std::string> gates_;
  std::set<std::string> waiting_;
  int reads_ = 0;
};

}  // namespace coreflow::testutil
