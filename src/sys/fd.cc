#include "sys/fd.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

int SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  return 0;
}

int CountRecords(int fd, char delimiter, uint64_t* count) {
  off_t offset = ::lseek(fd, 0, SEEK_CUR);
  if (offset < 0) return errno;
  char buffer[65536];
  uint64_t n = 0;
  char last = delimiter;
  for (;;) {
    ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (got == 0) break;
    for (const char* p = buffer; (p = static_cast<const char*>(std::memchr(
                                      p, delimiter, static_cast<size_t>(buffer + got - p))));
         ++p) {
      ++n;
    }
    last = buffer[got - 1];
    offset += got;
  }
  *count = n + (last != delimiter ? 1 : 0);
  return 0;
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
