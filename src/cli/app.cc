#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "base/version.h"
#include "cli/hw_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "exec/crash_guard.h"

namespace coreflow {

int Main(int argc, char** argv) {
  // The crash guard a run starts (exec/crash_guard.h): not a command for people.
  if (argc == 3 && std::string_view(argv[1]) == kCrashGuardCommand) {
    return RunCrashGuard(3, argv[2]);
  }
  CLI::App app(
      "coreflow: run many independent tasks across every core, at the throughput the "
      "hardware allows.",
      "coreflow");
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  app.require_subcommand(0, 1);
  RunFlags run_flags;
  CLI::App* run = AddRunCommand(app, &run_flags);
  ReportFlags report_flags;
  CLI::App* report = AddReportCommand(app, &report_flags);
  RunFlags tune_flags;
  CLI::App* tune = AddTuneCommand(app, &tune_flags);
  HwFlags hw_flags;
  CLI::App* hw = AddHwCommand(app, &hw_flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    for (char& c : what) {
      if (c == '\n') c = ' ';
    }
    fmt::print(stderr, "coreflow: error: {} (see coreflow --help)\n", what);
    return 255;
  }
  if (version) {
    fmt::print("coreflow {}\n", kVersion);
    return 0;
  }
  if (run->parsed()) {
    run_flags.invocation = DescribeInvocation(*run, argc, argv);
    return RunMain(run_flags, run->remaining());
  }
  if (report->parsed()) return ReportMain(report_flags);
  if (tune->parsed()) return RunMain(tune_flags, tune->remaining());
  if (hw->parsed()) return HwMain(hw_flags);
  fmt::print(stderr, "{}", app.help());
  return 255;
}

}  // namespace coreflow
