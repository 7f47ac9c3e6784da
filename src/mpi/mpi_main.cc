// coreflow-mpi: `coreflow run` over the ranks of an MPI job (docs/mpi.md). Built only where an
// MPI is found, so that plain coreflow never needs one.
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "cli/app.h"
#include "mpi/launcher.h"
#include "mpi/mpi_link.h"
#include "mpi/rank_run.h"
#include "sys/fd.h"
#include "sys/process.h"

namespace {

#if defined(OPEN_MPI)
constexpr const char* kBuiltWith = "Open MPI";
#elif defined(MPICH)
constexpr const char* kBuiltWith = "MPICH";
#else
constexpr const char* kBuiltWith = "this MPI";
#endif

// Ranks other than 0 say nothing until their run starts, so that --help, --version or a usage
// error (the same on every rank) is said once. What they would have said is kept, for a rank
// that fails alone.
class Hush {
 public:
  ~Hush() {
    Stop();
    if (kept_ != nullptr) std::fclose(kept_);
  }
  void Start() {
    kept_ = std::tmpfile();
    saved_out_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);  // no task inherits these
    saved_err_ = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (kept_ == nullptr || saved_out_ < 0 || saved_err_ < 0) return;  // then every rank speaks
    coreflow::SetCloseOnExec(fileno(kept_));
    ::dup2(fileno(kept_), STDOUT_FILENO);
    ::dup2(fileno(kept_), STDERR_FILENO);
  }
  void Stop() {
    if (saved_out_ < 0 || saved_err_ < 0) return;
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_out_, STDOUT_FILENO);
    ::dup2(saved_err_, STDERR_FILENO);
    ::close(saved_out_);
    ::close(saved_err_);
    saved_out_ = saved_err_ = -1;
  }
  // Says, after Stop, each line kept, after `prefix`.
  void Replay(const std::string& prefix) {
    if (kept_ == nullptr) return;
    std::rewind(kept_);
    char line[4096];
    while (std::fgets(line, sizeof line, kept_) != nullptr) {
      fmt::print(stderr, "{}{}", prefix, line);
    }
  }

 private:
  std::FILE* kept_ = nullptr;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

// Every descriptor the rank holds past stdin, stdout and stderr is the launcher's or MPI's
// (Hydra hands each rank a dozen pipes and sockets, its PMI connection among them): no task
// inherits them, or it would keep the rank's connections open, or talk on them.
void KeepFromTasks() {
  for (int fd : coreflow::OpenDescriptors()) {
    if (fd > 2) coreflow::SetCloseOnExec(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    fmt::print(stderr, "coreflow-mpi: error: MPI could not start; run it with mpirun or srun\n");
    return 255;
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    fmt::print(stderr,
               "coreflow-mpi: error: this MPI cannot be called from a second thread "
               "(MPI_THREAD_SERIALIZED); use an MPI built with thread support\n");
    MPI_Abort(MPI_COMM_WORLD, 255);
  }
  KeepFromTasks();
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::string wrong = coreflow::CheckLaunch(size, coreflow::ProcessEnvironment(), kBuiltWith);
  if (!wrong.empty()) {
    fmt::print(stderr, "coreflow-mpi: error: {}\n", wrong);
    MPI_Finalize();
    return 255;
  }
  int status = 0;
  {
    coreflow::MpiRankLink link;
    Hush hush;
    if (link.rank() != 0) hush.Start();
    bool started = false;
    coreflow::RankRun run(&link, [&hush, &started] {
      hush.Stop();
      started = true;
    });
    coreflow::RunHooks hooks = run.Hooks();
    int own = coreflow::Main(argc, argv, &hooks);
    hush.Stop();
    status = run.Finish(own);
    // A rank that could not start its run while rank 0 could: only it knows why.
    if (link.rank() != 0 && !started && own != 0 && !run.rank_0_failed()) {
      hush.Replay(fmt::format("coreflow-mpi: rank {} on {}: ", link.rank(), coreflow::HostName()));
    }
  }
  MPI_Finalize();
  return status;
}
