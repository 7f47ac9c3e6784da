#include "sys/fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace coreflow {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);  // close() errors are not actionable here; EINTR still frees the fd.
  fd_ = fd;
}

int WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

ssize_t WriteSome(int fd, const char* data, size_t size) {
  for (;;) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

ssize_t ReadSome(int fd, char* buffer, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd, buffer, size);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

bool ReadSmallFile(const std::string& path, std::string* out, size_t max_bytes) {
  UniqueFd fd(OpenForReading(path));
  if (!fd.valid()) return false;
  out->clear();
  char buffer[4096];
  for (;;) {
    ssize_t n = ReadSome(fd.get(), buffer, sizeof buffer);
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buffer, static_cast<size_t>(n));
    if (out->size() > max_bytes) return true;  // these files are small; never read a huge one
  }
}

int OpenForReading(const std::string& path) {
  for (;;) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    return fd;
  }
}

int OpenForWriting(const std::string& path, bool append) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  for (;;) {
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0 && errno == EINTR) continue;
    return fd;
  }
}

int OpenForAppending(const std::string& path) {
  for (;;) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND, 0644);
    if (fd < 0 && errno == EINTR) continue;
    return fd;
  }
}

int PipeUnread(int fd, int* bytes) { return ::ioctl(fd, FIONREAD, bytes) == 0 ? 0 : errno; }

int LockExclusive(int fd) {
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EINTR) return errno == EAGAIN ? EWOULDBLOCK : errno;
  }
}

bool ReadableNow(int fd) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do n = ::poll(&p, 1, 0);
  while (n < 0 && errno == EINTR);
  return n != 0;  // an error also counts: the read reports it
}

int WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, -1);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

bool IsRegularFile(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

int MakePipe(UniqueFd* read_end, UniqueFd* write_end, bool nonblocking_read) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  read_end->Reset(fds[0]);
  write_end->Reset(fds[1]);
  // A new pipe's read end has exactly O_RDONLY, so no F_GETFL is needed.
  if (nonblocking_read && ::fcntl(fds[0], F_SETFL, O_RDONLY | O_NONBLOCK) != 0) return errno;
  return 0;
}

int EnsureStandardFdsOpen() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);  // takes the lowest: fd
    if (opened < 0) return errno;
    if (opened != fd) ::close(opened);
  }
  return 0;
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

bool IsWritableFd(int fd) {
  int flags = fd < 0 ? -1 : ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_ACCMODE) != O_RDONLY;
}

int SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  return 0;
}

int SetCloseOnExec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) return errno;
  if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return errno;
  return 0;
}

std::vector<int> OpenDescriptors() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    int fd = 0;
    const char* end = entry->d_name + std::strlen(entry->d_name);
    if (std::from_chars(entry->d_name, end, fd).ptr == end && fd != own) fds.push_back(fd);
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  return fds;
}

int CountRecords(int fd, uint64_t offset, std::string_view delimiter, uint64_t* count) {
  if (delimiter.empty()) return EINVAL;
  std::string window;  // unscanned bytes: the tail that may begin a delimiter split by a read
  char buffer[65536];
  auto at = static_cast<off_t>(offset);
  uint64_t n = 0;
  bool ends_with_delimiter = true;  // nothing at all counts as no records
  for (;;) {
    ssize_t got = ::pread(fd, buffer, sizeof buffer, at);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (got == 0) break;
    at += got;
    ends_with_delimiter = false;
    if (delimiter.size() == 1) {  // the common case: no window needed
      const char* end = buffer + got;
      for (const char* p = buffer; (p = static_cast<const char*>(std::memchr(
                                        p, delimiter[0], static_cast<size_t>(end - p)))) != nullptr;
           ++p) {
        ++n;
      }
      ends_with_delimiter = buffer[got - 1] == delimiter[0];
      continue;
    }
    window.append(buffer, static_cast<size_t>(got));
    size_t pos = 0;
    for (size_t hit; (hit = window.find(delimiter, pos)) != std::string::npos;) {
      ++n;
      pos = hit + delimiter.size();
    }
    ends_with_delimiter = pos == window.size();
    // Keep what may still start a delimiter that the next read completes.
    window.erase(0, std::max(pos, window.size() - std::min(window.size(), delimiter.size() - 1)));
  }
  *count = n + (ends_with_delimiter ? 0 : 1);
  return 0;
}

int FileOffset(int fd, uint64_t* offset) {
  off_t at = ::lseek(fd, 0, SEEK_CUR);
  if (at < 0) return errno;
  *offset = static_cast<uint64_t>(at);
  return 0;
}

int SeekTo(int fd, uint64_t offset) {
  return ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0 ? errno : 0;
}

int TruncateFile(int fd, uint64_t size) {
  for (;;) {
    if (::ftruncate(fd, static_cast<off_t>(size)) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

int SyncData(int fd) {
  for (;;) {
    if (::fdatasync(fd) == 0) return 0;
    if (errno == EINTR) continue;
    return errno == EINVAL || errno == EROFS ? 0 : errno;
  }
}

int CopyFileToFd(int in, int out) {
  off_t offset = 0;
  // sendfile() copies in the kernel; fall back to read/write where the target refuses it.
  for (;;) {
    ssize_t n = ::sendfile(out, in, &offset, 1 << 20);
    if (n > 0) continue;
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EINVAL || errno == ENOSYS) break;
    return errno;
  }
  char buffer[65536];
  for (;;) {
    ssize_t n = ::pread(in, buffer, sizeof buffer, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    int e = WriteAll(out, buffer, static_cast<size_t>(n));
    if (e != 0) return e;
    offset += n;
  }
}

std::string ErrnoText(int e) { return std::strerror(e); }

}  // namespace coreflow
