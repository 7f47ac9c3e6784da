// The baseline for `make bench`: run COMMAND N times with at most J at once through a bare
// posix_spawn + waitpid loop, with no output capture and no bookkeeping. Each run gets its
// number (1..N) as a last argument, as `xargs -n1`, GNU parallel and coreflow pass one input:
// the work per task must be the same (coreutils' `true X` loads locale data, `true` does not).
// Usage:
//   spawn_loop N J COMMAND [ARGS...]
// At the end it prints its own CPU time (children excluded) and peak RSS on stderr, in the
// same form as `coreflow run --stats`.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace {

// VmHWM, not ru_maxrss: the latter survives execve and reports the parent's memory.
long PeakRssKib() {
  long kib = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::atol(line + 6);
    }
    std::fclose(f);
  }
  return kib;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: spawn_loop N J COMMAND [ARGS...]\n");
    return 2;
  }
  long total = std::atol(argv[1]);
  long jobs = std::atol(argv[2]);
  long started = 0, running = 0, failed = 0;
  int argc_cmd = argc - 3;
  char** args = new char*[static_cast<size_t>(argc_cmd) + 2];
  for (int i = 0; i < argc_cmd; ++i) args[i] = argv[3 + i];
  char number[32];
  args[argc_cmd] = number;
  args[argc_cmd + 1] = nullptr;
  while (started < total || running > 0) {
    while (started < total && running < jobs) {
      pid_t pid;
      std::snprintf(number, sizeof number, "%ld", started + 1);
      if (posix_spawnp(&pid, args[0], nullptr, nullptr, args, environ) != 0) {
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
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::fprintf(stderr,
               "spawn_loop: stats: tasks=%ld self_cpu_s=%.3f self_cpu_per_task_us=%.1f "
               "peak_rss_kib=%ld\n",
               total, cpu, total > 0 ? cpu * 1e6 / static_cast<double>(total) : 0.0, PeakRssKib());
  delete[] args;
  return failed == 0 ? 0 : 1;
}
