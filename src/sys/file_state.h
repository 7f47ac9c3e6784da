#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace coreflow {

// Enough of stat(2) to tell whether a task wrote a file: absent, or which inode and when.
struct FileIdentity {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t mtime_ns = 0;
  int64_t size = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity StatFile(const std::string& path);
FileIdentity StatFd(int fd);  // what an open descriptor refers to
// unlink(2); a file already gone counts as removed. Returns 0 or errno.
int RemoveFile(const std::string& path);
// rename(2), replacing `to`. Returns 0 or errno.
int MovePath(const std::string& from, const std::string& to);

}  // namespace coreflow
