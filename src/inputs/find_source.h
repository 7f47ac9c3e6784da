#pragma once

#include <memory>
#include <string>
#include <vector>

#include "inputs/source.h"
#include "inputs/tree_walk.h"

namespace coreflow {

// An input source of the paths a pattern matches (`--find`, a pipeline's `glob`), streamed from
// a parallel walk: the first values come while the walk goes on. A walk that matches nothing
// is an error (a wrong pattern should not look like a finished run).
class FindSource : public InputSource {
 public:
  // `reader` must outlive the source; it is read from `threads` threads.
  FindSource(DirectoryReader* reader, FindPattern pattern, int threads);
  // Starts the walk; false with *err.
  bool Start(std::string* err) { return walk_.Start(err); }
  void set_listing_observer(TreeWalk::ListingObserver observer) {
    walk_.set_listing_observer(std::move(observer));
  }

  ReadStatus Next(std::string* value, std::string* err) override;
  int fd() const override { return walk_.fd(); }

 private:
  std::string text_;
  std::string root_;
  TreeWalk walk_;
  uint64_t matches_ = 0;
};

// Every path `pattern` matches, in the walk's order, read before returning (for sources that
// are needed whole). False with *err as the source's.
bool FindAll(const std::string& pattern, int threads, std::vector<std::string>* paths,
             std::string* err);

}  // namespace coreflow
