#include "cli/stage_command.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <set>
#include <string>

#include "coreflow/coreflow.h"
#include "run/messages.h"
#include "sys/copy.h"
#include "sys/fd.h"

namespace coreflow {

namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

CLI::App* AddStageCommand(CLI::App& app, StageFlags* f) {
  CLI::App* stage = app.add_subcommand(
      "stage",
      "Copy files to node-local scratch in parallel: SRC... DEST. Each copy appears under its "
      "name only when whole, and one already there (same size and time) is left as it is");
  stage->add_option("paths", f->paths, "The files to copy, then the destination")
      ->expected(2, -1)
      ->required();
  stage->add_option("-j,--jobs", f->jobs, "Copies at once (default 8)");
  stage->add_option("--joblog", f->joblog,
                    "Record each copy in the journal FILE, so that --resume copies only the rest");
  stage->add_flag("--resume", f->resume, "Skip the copies the --joblog journal records as done");
  stage->add_flag("--no-progress", f->no_progress, "No progress display");
  return stage;
}

int StageMain(const StageFlags& f) {
  std::vector<std::string> sources(f.paths.begin(), f.paths.end() - 1);
  const std::string& dest = f.paths.back();
  // Into DEST as a directory: several sources, a trailing slash, or a directory there.
  bool into = sources.size() > 1 || dest.back() == '/' || IsDirectory(dest);
  std::set<std::string> names;
  for (const std::string& src : sources) {
    struct stat st {};
    if (stat(src.c_str(), &st) != 0) {
      return UsageError(fmt::format("cannot stage '{}': {}", src, ErrnoText(errno)));
    }
    if (!S_ISREG(st.st_mode)) {
      return UsageError(fmt::format(
          "cannot stage '{}': not a regular file (give a directory's files, e.g. '{}/*')", src,
          src));
    }
    if (into && !names.insert(Basename(src)).second) {
      return UsageError(fmt::format(
          "two sources are called '{}', and their copies in '{}' would be one file; stage them "
          "to different directories",
          Basename(src), dest));
    }
  }
  std::string target = dest;
  while (into && target.size() > 1 && target.back() == '/') target.pop_back();
  if (!PlainPath(target)) {
    return UsageError(fmt::format(
        "cannot stage to '{}': it holds characters coreflow does not put in a command; use a "
        "plain path",
        dest));
  }
  RunOptions run;  // a run of copy tasks, through the C++ API as `coreflow run` goes
  run.coreflow_program = kSelfExe;
  run.jobs = f.jobs.empty() ? std::to_string(kDefaultCopies) : f.jobs;
  run.joblog = f.joblog;
  run.resume = f.resume;
  run.no_progress = f.no_progress;
  run.threads = 1;
  run.io_tasks = true;
  run.command = {kSelfExe, kCopyCommand, "{}", into ? target + "/{/}" : target, ":::"};
  run.command.insert(run.command.end(), sources.begin(), sources.end());
  return Run(run).exit_status;
}

}  // namespace coreflow
