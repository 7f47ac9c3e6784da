#include "exec/crash_guard.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "sys/process_tag.h"

namespace coreflow {

int CrashGuard::Start(Spawner* spawner, const std::string& exe, const std::string& run_id,
                      int dev_null) {
  UniqueFd read_end, write_end;
  if (int e = MakePipe(&read_end, &write_end, /*nonblocking_read=*/false)) return e;
  std::string argv0 = exe, command = kCrashGuardCommand, id = run_id;
  char* argv[] = {argv0.data(), command.data(), id.data(), nullptr};
  // Not empty: a process without an environment may be a task in execve, and the guards of
  // other coreflows on the node (MPI ranks, shards) would wait on this one as a suspect.
  std::string marker = "COREFLOW_CRASH_GUARD=1";
  char* envp[] = {marker.data(), nullptr};
  SpawnRequest request;
  request.file = argv[0];
  request.argv = argv;
  request.envp = envp;
  request.stdin_fd = dev_null;
  request.stdout_fd = dev_null;
  request.stderr_fd = dev_null;
  request.extra_fd = read_end.get();
  request.extra_target = 3;
  request.outlive_parent = true;
  pid_t pid = 0;
  int pidfd = -1;
  if (int e = spawner->Spawn(request, &pid, &pidfd)) return e;
  pid_ = pid;
  ::close(pidfd);                // never waited on: one descriptor less held for the whole run
  pipe_ = std::move(write_end);  // close-on-exec: no task holds it, so our end alone keeps it open
  return 0;
}

int RunCrashGuard(int fd, const std::string& run_id) {
  // Terminal signals and hang-ups are coreflow's to act on; the guard waits for its end.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
  // Every process of the run started after this one: one without an environment to read
  // that started since (in execve, most likely) is looked at again before giving up.
  double since = ProcessStartTime(::getpid());
  char byte;
  while (ReadSome(fd, &byte, 1) > 0) {
  }
  ::close(fd);
  EndedProcesses ended = EndRunProcesses({run_id}, since, 60 * kNanosPerSecond);
  return ended.all_gone ? 0 : 1;
}

}  // namespace coreflow
