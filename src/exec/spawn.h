#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace coreflow {

struct SpawnRequest {
  const char* file = nullptr;  // looked up in PATH unless it contains a '/'
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int stdin_fd = -1;  // -1 keeps coreflow's own descriptor
  int stdout_fd = -1;
  int stderr_fd = -1;
  const rlimit* nofile = nullptr;  // when set, the child's RLIMIT_NOFILE
  int cgroup_procs_fd = -1;        // when set, the child joins that cgroup before exec
  int extra_fd = -1;               // when set, becomes the child's descriptor extra_target
  int extra_target = -1;           // (above 2: a warm worker's result descriptor)
  bool outlive_parent = false;     // no PR_SET_PDEATHSIG: it lives on when coreflow dies
};

// Starts processes the way posix_spawn does — clone(CLONE_VM | CLONE_VFORK), so nothing of the
// parent is copied — but with the child's stack allocated once instead of mapped, protected
// and unmapped on every call (three TLB shootdowns each), and with CLONE_PIDFD so the pidfd
// comes with the process. The child gets its own process group, an empty signal mask, and
// default dispositions for the signals coreflow itself blocks or ignores (SignalsToResetInChild)
// and for any signal with a handler; a signal ignored by whoever started coreflow stays ignored,
// as POSIX has it. Redirections are applied stdin, stdout, stderr in turn, so the source
// descriptors must not be 0-2 (ProcessRunner keeps those open, so new ones land above).
class Spawner {
 public:
  Spawner() = default;
  ~Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  // Allocates the child stack and notes which signals the child must reset. 0 or errno.
  // Signal dispositions changed after Init() are not seen by children.
  int Init();

  // Returns 0 and fills *pid and *pidfd (close-on-exec), or errno: ENOENT, EACCES, ENOEXEC,
  // E2BIG when the program cannot be executed (no process is left behind), EAGAIN, EMFILE,
  // ENFILE, ENOMEM when the system is short of processes or descriptors.
  int Spawn(const SpawnRequest& request, pid_t* pid, int* pidfd);

 private:
  int EnsureStack(size_t bytes);

  void* stack_ = nullptr;
  size_t stack_size_ = 0;
  std::vector<int> reset_signals_;
};

}  // namespace coreflow
