#include "sys/wakeup.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace coreflow {

int Wakeup::Open() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return errno;
  fd_.Reset(fd);
  return 0;
}

void Wakeup::Signal() {
  uint64_t one = 1;
  // EAGAIN means the counter is already huge, so the descriptor is readable anyway.
  while (::write(fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void Wakeup::Clear() {
  uint64_t count = 0;
  // EAGAIN: nothing to clear.
  while (::read(fd_.get(), &count, sizeof count) < 0 && errno == EINTR) {
  }
}

}  // namespace coreflow
