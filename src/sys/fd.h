#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coreflow {

// Owns one file descriptor and closes it once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of [data, data+size), retrying on EINTR and short writes. Blocks on a full pipe.
// Returns 0 or the errno of the failure (EPIPE, ENOSPC, ...).
int WriteAll(int fd, const char* data, size_t size);
inline int WriteAll(int fd, const std::string& s) { return WriteAll(fd, s.data(), s.size()); }

// One read(2) retried on EINTR: >0 bytes, 0 at end of file, -1 with errno set (EAGAIN included).
ssize_t ReadSome(int fd, char* buffer, size_t size);
// One write(2) retried on EINTR: the bytes written, or -1 with errno set (EAGAIN included).
ssize_t WriteSome(int fd, const char* data, size_t size);

// Reads a whole small file (for /proc, /sys and cgroup files), at most about `max_bytes` of
// it. False if it cannot be opened or read.
bool ReadSmallFile(const std::string& path, std::string* out, size_t max_bytes = 1u << 20);

// Opens a file for reading (O_CLOEXEC). -1 with errno set on failure.
int OpenForReading(const std::string& path);

// Opens (creating, truncating) a file for writing, mode 0644, O_CLOEXEC. -1 with errno.
int OpenForWriting(const std::string& path, bool append = false);

// Opens (creating) a file for appending without truncating it, mode 0644, O_CLOEXEC. -1 with
// errno.
int OpenForAppending(const std::string& path);

// True when a read(2) on `fd` would not block right now (data or end of file is there).
bool ReadableNow(int fd);

// Blocks until `fd` is readable (or at end of file). Returns 0 or errno.
int WaitReadable(int fd);

// True when `fd` is a regular file (reads never block, so no readiness check is needed).
bool IsRegularFile(int fd);

// pipe2(O_CLOEXEC); with `nonblocking_read` only the read end is made non-blocking (the
// writer, a task, must see an ordinary blocking pipe). Returns 0 or errno.
int MakePipe(UniqueFd* read_end, UniqueFd* write_end, bool nonblocking_read);

// Opens /dev/null on any of descriptors 0, 1 and 2 that is closed, so that no later
// descriptor takes their place. Returns 0 or errno.
int EnsureStandardFdsOpen();

// True when `fd` is a terminal.
bool IsTerminal(int fd);

// True when `fd` is an open descriptor one can write to.
bool IsWritableFd(int fd);

// The bytes written to a pipe and not read yet (FIONREAD; either end of the pipe will do).
// Returns 0 or errno.
int PipeUnread(int fd, int* bytes);

// Marks a descriptor non-blocking. Returns 0 or errno.
int SetNonBlocking(int fd);

// Marks a descriptor close-on-exec, so that no task inherits it. Returns 0 or errno.
int SetCloseOnExec(int fd);

// The descriptors this process has open, from /proc/self/fd, ascending; empty when it cannot
// be read.
std::vector<int> OpenDescriptors();

// Counts `delimiter`-separated records in a regular file from byte `offset` to its end (a last
// record without a trailing delimiter counts), reading with pread so the file position is
// untouched. A delimiter of several bytes is found as DelimitedReader finds it: left to right,
// without overlaps. Returns 0 or errno.
int CountRecords(int fd, uint64_t offset, std::string_view delimiter, uint64_t* count);

// The file position of `fd` (lseek SEEK_CUR): 0 or errno.
int FileOffset(int fd, uint64_t* offset);
// Moves the file position of `fd` to `offset` (lseek SEEK_SET): 0 or errno.
int SeekTo(int fd, uint64_t offset);

// Takes an exclusive advisory lock (flock) on the open file without waiting: 0, EWOULDBLOCK
// when another open file holds it, or another errno (ENOLCK on file systems without locks).
// The lock lasts until every descriptor of this open file is closed.
int LockExclusive(int fd);

// Cuts a file to `size` bytes (ftruncate); returns 0 or errno.
int TruncateFile(int fd, uint64_t size);

// Flushes a file's data to stable storage (fdatasync); returns 0 or errno. Pipes, terminals
// and other descriptors that cannot be synced count as done.
int SyncData(int fd);

// Copies everything from `in` (read from offset 0) to `out`. Returns 0 or errno.
int CopyFileToFd(int in, int out);

// The text of errno value `e`, e.g. "No such file or directory".
std::string ErrnoText(int e);

}  // namespace coreflow
