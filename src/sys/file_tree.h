#pragma once

#include <cstdint>
#include <string>

#include "base/hash128.h"

namespace coreflow {

// A new private (0700) directory under $TMPDIR (or /tmp) named `prefix` and six random
// characters. Returns 0 or errno.
int MakeTempDirectory(const std::string& prefix, std::string* path);

// rm -r: `path` and everything under it; symbolic links are removed, never followed. A path
// that does not exist is no error. Returns 0 or the first errno.
int RemoveTree(const std::string& path);

// The XXH3-128 hash and size of a file's contents, read in pieces. Returns 0 or errno.
int HashFile(const std::string& path, Hash128* hash, uint64_t* bytes);

}  // namespace coreflow
