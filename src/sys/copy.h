#pragma once

#include <cstdint>
#include <string>

namespace coreflow {

// How a copy went.
struct CopyResult {
  bool identical = false;  // the destination already was the source's copy: nothing was done
  uint64_t bytes = 0;      // copied
};

// Copies the regular file `src` to `dest` so that `dest` appears under its name only when
// whole: into a temporary file beside it (".NAME.coreflow-part"), then renamed. A `dest` that
// has the source's size and modification time (as a copy made here has) is left as it is.
// Missing directories of `dest` are made. The data moves with copy_file_range(2) where the
// file systems allow it, else read/write. Returns 0, or errno with *step naming what failed
// ("open the source", "write", ...); the temporary never outlives a failure.
int CopyFileWhole(const std::string& src, const std::string& dest, CopyResult* result,
                  std::string* step);

}  // namespace coreflow
