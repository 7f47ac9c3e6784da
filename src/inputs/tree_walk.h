#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "inputs/find_pattern.h"
#include "sys/directory.h"
#include "sys/wakeup.h"

namespace coreflow {

// The paths a FindPattern matches, from a walk of several threads that read directories in
// parallel while the matches are taken one by one, in a fixed order: a depth-first walk with
// each directory's names sorted bytewise (a directory's matches follow it). The threads read
// the directories nearest that order first, so the first match comes out as soon as its own
// directories are read, long before the walk ends.
class TreeWalk {
 public:
  enum class Step { kMatch, kEnd, kNotYet, kError };
  // Told each directory's names (all of them, not only matches) as the walk's order enters it.
  using ListingObserver =
      std::function<void(const std::string& dir, const std::vector<std::string>& names)>;

  TreeWalk(DirectoryReader* reader, FindPattern pattern, int threads);
  ~TreeWalk();  // stops the threads once their current read returns
  TreeWalk(const TreeWalk&) = delete;
  TreeWalk& operator=(const TreeWalk&) = delete;

  void set_listing_observer(ListingObserver observer) { observer_ = std::move(observer); }
  // Starts the threads. False with *err when not even one could start.
  bool Start(std::string* err);
  // The next match in order; kNotYet when the walk has not read far enough yet (fd() becomes
  // readable when it may have); kError with *err once a directory on the way cannot be read.
  Step Next(std::string* path, std::string* err);
  int fd() const { return wakeup_.fd(); }
  uint64_t directories_read() const;

 private:
  struct Node;
  struct Child {
    std::string name;
    bool match = false;
    std::unique_ptr<Node> sub;  // the directory to walk into, when the pattern goes on there
  };
  struct Node {
    std::string path;                 // as opened
    std::string shown;                // what its entries' paths start with
    std::vector<uint32_t> positions;  // the pattern parts its entries are matched against
    std::vector<uint32_t> order;      // child indexes from the root: the walk's order
    bool read = false;
    int error = 0;
    std::vector<Child> children;     // sorted by name
    std::vector<std::string> names;  // the listing, for the observer
  };
  struct Cursor {
    std::unique_ptr<Node> owned;  // the root, or a directory taken from its parent
    Node* node;
    size_t next = 0;       // the child to look at
    bool entered = false;  // the observer has been told
    bool matched = false;  // children[next] was given out as a match
  };
  struct Later {
    bool operator()(const Node* a, const Node* b) const { return a->order > b->order; }
  };

  void Work();
  // Reads one directory and hands its subdirectories to the threads.
  void Read(Node* node);
  // The entries of `node`'s listing, matched against its positions (no lock needed).
  void Expand(Node* node, std::vector<DirEntry> entries) const;
  std::vector<uint32_t> Closure(std::vector<uint32_t> positions) const;

  DirectoryReader* reader_;
  FindPattern pattern_;
  int threads_wanted_;
  ListingObserver observer_;
  Wakeup wakeup_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::priority_queue<Node*, std::vector<Node*>, Later> queue_;  // guarded by mu_
  int busy_ = 0;                                                 // guarded by mu_
  bool stop_ = false;                                            // guarded by mu_
  bool consumer_waiting_ = false;                                // guarded by mu_
  uint64_t directories_read_ = 0;                                // guarded by mu_
  std::vector<Cursor> cursor_;  // the consumer's path through the tree, guarded by mu_
};

}  // namespace coreflow
