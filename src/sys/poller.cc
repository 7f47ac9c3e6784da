#include "sys/poller.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>

namespace coreflow {

int Poller::Init() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return errno;
  epoll_.Reset(fd);
  return 0;
}

int Poller::Add(int fd, uint32_t events, uint64_t token) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

int Poller::Modify(int fd, uint32_t events, uint64_t token) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : errno;
}

void Poller::Remove(int fd) {
  // Closing a descriptor removes it too; this is for descriptors that stay open.
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int Poller::Wait(std::vector<epoll_event>* out, int timeout_ms) {
  if (out->size() < 64) out->resize(64);
  int n = ::epoll_wait(epoll_.get(), out->data(), static_cast<int>(out->size()), timeout_ms);
  if (n < 0) return errno == EINTR ? 0 : -errno;
  return n;
}

int DeadlineTimer::Init() {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return errno;
  fd_.Reset(fd);
  return 0;
}

void DeadlineTimer::ArmAt(Nanos deadline) {
  itimerspec spec{};
  if (deadline > 0) {
    spec.it_value.tv_sec = deadline / kNanosPerSecond;
    spec.it_value.tv_nsec = deadline % kNanosPerSecond;
  }
  ::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);  // valid args cannot fail
}

void DeadlineTimer::Acknowledge() {
  uint64_t expirations = 0;
  ssize_t n = ::read(fd_.get(), &expirations, sizeof expirations);
  (void)n;  // EAGAIN when re-armed meanwhile: nothing to consume
}

}  // namespace coreflow
