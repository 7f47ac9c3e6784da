#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// mkdir -p with mode 0755; returns 0 or errno.
int MakeDirs(const std::string& path);

// True when `path` names an existing regular file or directory.
bool PathExists(const std::string& path);

// Whether `path` is a regular file (following links): one that can be read twice.
bool IsRegularFilePath(const std::string& path);

// Replaces `path` with `contents` all at once: readers see the old file or the new one, never
// part of it (a temporary file beside it, fsync, rename). Returns 0 or errno.
int WriteFileAtomically(const std::string& path, std::string_view contents);

// WriteFileAtomically for contents written piece by piece: Open makes the temporary file
// beside `path`, Commit syncs it and renames it over `path`; destroyed uncommitted, it leaves
// `path` as it was. Each returns 0 or errno.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();
  int Open(const std::string& path);
  int Write(std::string_view data);
  int Commit();

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

// Whether a file can be created at `path` (its directory exists and is writable), without
// leaving anything there. Returns 0 or errno.
int CheckCanCreate(const std::string& path);

// The names in a directory (no "." or ".."), unsorted. Returns 0 or errno (ENOENT: none).
int ListDirectory(const std::string& dir, std::vector<std::string>* names);

// A private (0700) directory for this run's temporary files, created on first use and
// removed with its contents' names when the object dies. Files in it are unlinked at once.
class PrivateTempDir {
 public:
  PrivateTempDir() = default;
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;
  ~PrivateTempDir();

  // An anonymous read-write file (O_TMPFILE, or O_EXCL then unlink). -1 with errno set.
  int CreateAnonymousFile();
  const std::string& path() const { return path_; }

 private:
  int EnsureCreated();  // 0 or errno
  std::string path_;
};

}  // namespace coreflow
