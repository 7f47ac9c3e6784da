#include "exec/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "sys/signals.h"

namespace coreflow {
namespace {

struct ChildContext {
  const SpawnRequest* request;
  pid_t parent;
  const int* reset_signals;
  size_t num_reset_signals;
  volatile int exec_errno;  // written by the child, read by the parent once it resumes
};

// Points `target` at `fd`. dup2 onto itself would keep close-on-exec, so clear it instead.
bool RedirectInChild(int fd, int target) {
  if (fd < 0) return true;
  if (fd == target) return ::fcntl(fd, F_SETFD, 0) == 0;
  return ::dup2(fd, target) == target;
}

// Runs in the child, on the cached stack, sharing the parent's memory until execve: only
// async-signal-safe calls, no allocation, nothing that touches the parent's state.
int ChildMain(void* arg) {
  auto* ctx = static_cast<ChildContext*>(arg);
  const SpawnRequest& r = *ctx->request;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (size_t i = 0; i < ctx->num_reset_signals; ++i) {
    ::sigaction(ctx->reset_signals[i], &dfl, nullptr);
  }
  sigset_t empty;
  sigemptyset(&empty);
  if (r.nofile != nullptr) ::setrlimit(RLIMIT_NOFILE, r.nofile);
  // If coreflow itself is killed (SIGKILL, OOM), its tasks die with it instead of running on
  // unwatched and racing a resumed run.
  // If it died before that, the signal will never come: end here.
  if (!r.outlive_parent &&
      (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != ctx->parent)) {
    ::_exit(127);
  }
  // "0" moves the writer itself, so the task and all it starts are held to the cgroup's limit.
  if (r.cgroup_procs_fd >= 0 && ::write(r.cgroup_procs_fd, "0", 1) != 1) {
    ctx->exec_errno = errno != 0 ? errno : EIO;
    ::_exit(127);
  }
  if (::setpgid(0, 0) != 0 || !RedirectInChild(r.stdin_fd, STDIN_FILENO) ||
      !RedirectInChild(r.stdout_fd, STDOUT_FILENO) ||
      !RedirectInChild(r.stderr_fd, STDERR_FILENO) ||
      (r.extra_target > STDERR_FILENO && !RedirectInChild(r.extra_fd, r.extra_target)) ||
      ::sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) {
    ctx->exec_errno = errno != 0 ? errno : EINVAL;
    ::_exit(127);
  }
  ::execvpe(r.file, r.argv, r.envp);
  ctx->exec_errno = errno != 0 ? errno : ENOEXEC;
  ::_exit(127);
}

}  // namespace

Spawner::~Spawner() {
  if (stack_ != nullptr) ::munmap(stack_, stack_size_);
}

int Spawner::EnsureStack(size_t bytes) {
  size_t page = static_cast<size_t>(::getpagesize());
  bytes = (bytes + page - 1) / page * page;  // keeps the stack top aligned
  if (stack_size_ >= bytes) return 0;
  if (stack_ != nullptr) ::munmap(stack_, stack_size_);
  stack_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack_ == MAP_FAILED) {
    stack_ = nullptr;
    stack_size_ = 0;
    return errno;
  }
  stack_size_ = bytes;
  ::mprotect(stack_, static_cast<size_t>(::getpagesize()), PROT_NONE);  // a guard page
  return 0;
}

int Spawner::Init() {
  // Reset what coreflow blocks or ignores, and anything with a handler (the child must never
  // run a handler of ours, and ignored signals would otherwise stay ignored after execve).
  sigset_t always = SignalsToResetInChild();
  reset_signals_.clear();
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) != 0) continue;  // invalid or reserved numbers
    bool has_handler = current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN;
    if (has_handler || sigismember(&always, sig) == 1) reset_signals_.push_back(sig);
  }
  return EnsureStack(256 * 1024);
}

int Spawner::Spawn(const SpawnRequest& request, pid_t* pid, int* pidfd) {
  // execvpe may copy argv onto the stack (for a script without #!), and puts the PATH
  // candidate there: size the stack for it, as glibc's posix_spawn does.
  size_t argc = 0;
  while (request.argv[argc] != nullptr) ++argc;
  if (int e = EnsureStack((argc + 16) * sizeof(char*) + 2 * PATH_MAX + 128 * 1024)) return e;

  ChildContext ctx{&request, ::getpid(), reset_signals_.data(), reset_signals_.size(), 0};
  // No signal handler may run in the child while it shares our memory: block them all.
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old);
  int fd = -1;
  char* stack_top = static_cast<char*>(stack_) + stack_size_;
  pid_t child =
      ::clone(ChildMain, stack_top, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &ctx, &fd);
  int clone_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (child < 0) return clone_errno;
  // CLONE_VFORK: we resume only once the child has called execve or _exit.
  if (ctx.exec_errno != 0) {
    int status;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    ::close(fd);
    return ctx.exec_errno;
  }
  *pid = child;
  *pidfd = fd;
  return 0;
}

}  // namespace coreflow
