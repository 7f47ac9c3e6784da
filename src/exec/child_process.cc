#include "exec/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "exec/spawn.h"
#include "sys/fd.h"

extern char** environ;

namespace coreflow {

int RunToEnd(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd, int* status,
             int stop_fd) {
  if (argv.empty()) return EINVAL;
  std::vector<std::string> words = argv;  // the child's copy: execve wants char*
  std::vector<char*> args;
  for (std::string& w : words) args.push_back(w.data());
  args.push_back(nullptr);
  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null.valid()) return errno;
  Spawner spawner;
  if (int e = spawner.Init()) return e;
  SpawnRequest request;
  request.file = args[0];
  request.argv = args.data();
  request.envp = environ;
  request.stdin_fd = dev_null.get();
  request.stdout_fd = stdout_fd;
  request.stderr_fd = stderr_fd;
  pid_t pid = 0;
  int pidfd = -1;
  if (int e = spawner.Spawn(request, &pid, &pidfd)) return e;
  UniqueFd owned(pidfd);
  bool stopped = false;
  if (stop_fd >= 0) {
    pollfd fds[2] = {{pidfd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int n;
    do n = ::poll(fds, 2, -1);
    while (n < 0 && errno == EINTR);
    if (n > 0 && (fds[0].revents & POLLIN) == 0 && (fds[1].revents & POLLIN) != 0) {
      ::kill(-pid, SIGTERM);  // its own process group: it ends its tasks and exits
      stopped = true;
    }
  }
  siginfo_t info{};
  int r;
  do r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
  while (r != 0 && errno == EINTR);
  if (r != 0) return errno;
  *status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  return stopped ? ECANCELED : 0;
}

}  // namespace coreflow
