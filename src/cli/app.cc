#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <optional>

#include "base/version.h"
#include "cli/bench_command.h"
#include "cli/gnu_flags.h"
#include "cli/hw_command.h"
#include "cli/invocation.h"
#include "cli/journal_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/stage_command.h"
#include "coreflow/coreflow.h"
#include "exec/crash_guard.h"
#include "run/argv_split.h"
#include "run/autotune.h"
#include "run/messages.h"
#include "run/run.h"
#include "sys/process.h"

namespace coreflow {
namespace {

// `coreflow rnu ...` or `coreflow echo ::: a`: name the slip instead of CLI11's "arguments were
// not expected".
std::string UnknownCommand(const CLI::App& app, std::string_view word) {
  std::string near = NearestCommand(app, word);
  if (!near.empty()) return fmt::format("unknown command '{}' (did you mean '{}'?)", word, near);
  return fmt::format(
      "unknown command '{}': the commands are run, tune, bench, report, hw, stage and journal; to "
      "run '{}' for each input: coreflow run {} ...",
      word, word, word);
}

// An option `coreflow run` does not know, where the command would begin: suggest what to use.
std::string UnknownRunOption(const CLI::App& run, const std::vector<std::string>& rest) {
  if (rest.empty() || rest[0].size() < 2 || rest[0][0] != '-' || IsSourceSeparator(rest[0])) {
    return "";
  }
  const std::string& option = rest[0];
  if (std::string hint = GnuOptionHint(option); !hint.empty()) {
    return fmt::format("'{}' is a GNU parallel option that coreflow does not have: {}", option,
                       hint);
  }
  std::string near = NearestOption(run, option);
  if (!near.empty()) {
    return fmt::format("unknown option '{}' (did you mean '{}'? see coreflow {} --help)", option,
                       near, run.get_name());
  }
  return fmt::format("unknown option '{}' (see coreflow {} --help)", option, run.get_name());
}

// `coreflow run` and `coreflow tune` are calls of the C++ API (include/coreflow/coreflow.h),
// as a program of the user's would make them; coreflow-mpi's ranks add their hooks.
int RunThroughApi(const CLI::App& command, const RunHooks* hooks, RunOptions* options) {
  options->command = command.remaining();
  options->coreflow_program = kSelfExe;  // for its staging copies and its crash guard
  if (hooks == nullptr) return Run(*options).exit_status;
  RunFlags flags;
  static_cast<RunOptions&>(flags) = *options;
  flags.hooks = hooks;
  return RunToEnd(flags, flags.command);
}

// CLI11's parse; an exit status when that is all (--help, --version, a parse error).
std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    for (char& c : what) {
      if (c == '\n') c = ' ';
    }
    return UsageError(what + " (see coreflow --help)");
  }
  return std::nullopt;
}

}  // namespace

int Main(int argc, char** argv, const RunHooks* hooks) {
  // The crash guard a run starts (exec/crash_guard.h): not a command for people.
  if (argc == 3 && std::string_view(argv[1]) == kCrashGuardCommand) {
    return RunCrashGuard(3, argv[2]);
  }
  // A staging stage's copy (cli/stage_command.h): a task, not a command for people.
  if (argc == 4 && std::string_view(argv[1]) == kCopyCommand) return CopyMain(argv[2], argv[3]);
  CLI::App app(
      "coreflow: run many independent tasks across every core, at the throughput the "
      "hardware allows.",
      "coreflow");
  const std::string version = fmt::format("coreflow {} (commit {})", kVersion, kCommit);
  app.set_version_flag("-V,--version", version, "Print the version and the commit, and exit");
  app.require_subcommand(0, 1);
  RunOptions run_options;
  CLI::App* run = AddRunCommand(app, &run_options);
  ReportFlags report_flags;
  CLI::App* report = AddReportCommand(app, &report_flags);
  RunOptions tune_options;
  TuneCacheFlags tune_cache;
  CLI::App* tune = AddTuneCommand(app, &tune_options, &tune_cache);
  HwFlags hw_flags;
  CLI::App* hw = AddHwCommand(app, &hw_flags);
  StageFlags stage_flags;
  CLI::App* stage = AddStageCommand(app, &stage_flags);
  JournalFlags journal_flags;
  CLI::App* journal_merge = AddJournalCommand(app, &journal_flags);
  BenchFlags bench_flags;
  CLI::App* bench = AddBenchCommand(app, &bench_flags);
  for (CLI::App* command :
       {run, report, tune, hw, stage, journal_merge->get_parent(), journal_merge, bench}) {
    command->set_version_flag("-V,--version", version,
                              "Print the version and the commit, and exit");
  }
  if (argc >= 2 && argv[1][0] != '-' && argv[1][0] != '\0') {
    std::string_view word = argv[1];
    if (word == "help") {  // as git and cargo take it
      fmt::print("{}", app.help());
      return 0;
    }
    if (word != "run" && word != "tune" && word != "report" && word != "hw" && word != "stage" &&
        word != "journal" && word != "bench") {
      return UsageError(UnknownCommand(app, word));
    }
  }
  if (std::optional<int> done = Parse(app, argc, argv)) return *done;
  for (CLI::App* command : {run, tune}) {
    if (!command->parsed()) continue;
    if (std::string e = UnknownRunOption(*command, command->remaining()); !e.empty()) {
      return UsageError(e);
    }
  }
  if (run->parsed()) {
    run_options.command_line = DescribeInvocation(*run, argc, argv);
    return RunThroughApi(*run, hooks, &run_options);
  }
  if (report->parsed()) return ReportMain(report_flags);
  if (tune->parsed()) {
    if (tune_cache.list) return ListTuneCache(ProcessEnvironment());
    if (tune_cache.clear) return ClearTuneCache(ProcessEnvironment());
    return RunThroughApi(*tune, nullptr, &tune_options);
  }
  if (hw->parsed()) return HwMain(hw_flags);
  if (stage->parsed()) return StageMain(stage_flags);
  if (journal_merge->parsed()) return JournalMergeMain(journal_flags);
  if (bench->parsed()) return BenchMain(bench_flags, bench->remaining());
  fmt::print(stderr, "{}", app.help());
  return 255;
}

}  // namespace coreflow
