#include "cli/bench_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "engine/results_dir.h"
#include "exec/child_process.h"
#include "journal/reader.h"
#include "sys/fd.h"
#include "sys/file_tree.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

// The last line of a file, for an error message.
std::string LastLine(const std::string& path) {
  std::string text;
  if (!ReadSmallFile(path, &text)) return "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

std::string ChildBlockRunner::RoundDir(int round) const {
  return fmt::format("{}/r{}", work_dir_, round);
}

BlockRun ChildBlockRunner::Run(int config, int round, const std::vector<std::string>& items) {
  BlockRun run;
  const BenchConfig& c = configs_.at(static_cast<size_t>(config));
  std::string dir = fmt::format("{}/c{}", RoundDir(round), config);
  std::string list;
  for (const std::string& item : items) list += item + "\n";
  if (int e = MakeDirs(dir); e != 0 || (e = WriteFileAtomically(dir + "/items", list)) != 0) {
    run.error = fmt::format("cannot write the block's items in '{}': {}", dir, ErrnoText(e));
    return run;
  }
  std::vector<std::string> argv = {
      exe_, "run", "--no-summary", "--joblog", dir + "/journal", "--results", dir + "/results"};
  argv.insert(argv.end(), c.run_args.begin(), c.run_args.end());
  argv.insert(argv.end(), {"::::", dir + "/items"});
  UniqueFd out(::open((dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd err(::open((dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  int status = 0;
  int e = !out.valid() || !err.valid() ? errno
                                       : RunToEnd(argv, out.get(), err.get(), &status, stop_fd_);
  if (e == ECANCELED) {
    run.error = "interrupted";
    return run;
  }
  if (e != 0) {
    run.error =
        fmt::format("cannot run '{}' for configuration '{}': {}", exe_, c.name, ErrnoText(e));
    return run;
  }
  // Failed tasks are outcomes to compare; coreflow itself failing (a usage error, a signal,
  // 255 or more than 128) is the end of the bench.
  if (status > 101) {
    run.error = fmt::format("configuration '{}' could not run (exit status {}): {}", c.name, status,
                            LastLine(dir + "/stderr"));
    return run;
  }
  std::string why;
  if (!ReadSpan(dir + "/journal", &run.seconds, &why)) {
    run.error = fmt::format("configuration '{}': {} {}", c.name, why, LastLine(dir + "/stderr"));
    return run;
  }
  for (const std::string& item : items) run.items.push_back(Outcome(dir + "/results", item));
  return run;
}

bool ChildBlockRunner::ReadSpan(const std::string& journal, double* seconds,
                                std::string* err) const {
  Nanos first = std::numeric_limits<Nanos>::max(), last = 0;
  JournalCallbacks callbacks;
  callbacks.on_record = [&](const JournalRecord& r) {
    first = std::min(first, r.start_wall);
    last = std::max(last, r.start_wall + r.runtime);
  };
  JournalInfo info;
  if (!ReadJournal(journal, callbacks, &info, err)) return false;
  if (last == 0) {
    *err = "no task ran;";
    return false;
  }
  *seconds = static_cast<double>(last - first) / 1e9;
  return true;
}

ItemOutcome ChildBlockRunner::Outcome(const std::string& results, const std::string& item) const {
  ItemOutcome o;
  std::string task_dir = ResultsTaskDir(results, {item});
  std::string exit_text;
  int exit = -1;
  if (ReadSmallFile(task_dir + "/exit", &exit_text)) {
    std::from_chars(exit_text.data(), exit_text.data() + exit_text.size(), exit);
  }
  o.exit = exit;
  o.path = task_dir + "/stdout";
  if (HashFile(o.path, &o.output, &o.bytes) != 0) o.exit = -1;
  return o;
}

bool ChildBlockRunner::Same(const ItemOutcome& first, const ItemOutcome& other, std::string* why) {
  if (compare_.empty() || first.exit != other.exit) return BlockRunner::Same(first, other, why);
  std::vector<std::string> argv = compare_;
  argv.push_back(first.path);
  argv.push_back(other.path);
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  int status = 0;
  int e = null.valid() ? RunToEnd(argv, null.get(), null.get(), &status, stop_fd_) : errno;
  if (e != 0) {
    *why = fmt::format("--compare could not run: {}", ErrnoText(e));
    return false;
  }
  if (status == 0) return true;
  *why = fmt::format("--compare says they differ (exit status {})", status);
  return false;
}

void ChildBlockRunner::Forget(int round) { RemoveTree(RoundDir(round)); }

}  // namespace coreflow
