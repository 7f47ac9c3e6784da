// The baseline for `make bench`: run COMMAND N times with at most J at once through a bare
// posix_spawn + waitpid loop, with no output capture and no bookkeeping. Usage:
//   spawn_loop N J COMMAND [ARGS...]
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: spawn_loop N J COMMAND [ARGS...]\n");
    return 2;
  }
  long total = std::atol(argv[1]);
  long jobs = std::atol(argv[2]);
  long started = 0, running = 0, failed = 0;
  while (started < total || running > 0) {
    while (started < total && running < jobs) {
      pid_t pid;
      if (posix_spawnp(&pid, argv[3], nullptr, nullptr, argv + 3, environ) != 0) {
        std::perror("posix_spawnp");
        return 1;
      }
      ++started;
      ++running;
    }
    int status;
    if (waitpid(-1, &status, 0) > 0) {
      --running;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}
