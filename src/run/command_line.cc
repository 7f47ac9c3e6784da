#include "run/command_line.h"

#include <string_view>
#include <vector>

#include "report/summary.h"

namespace coreflow {

std::string ResumeCommand(const CommandLine& inv, const std::string& joblog) {
  if (joblog.empty() || joblog == "-" || inv.subcommand == 0) return "";
  std::vector<std::string> words(
      inv.argv.begin(), inv.argv.begin() + static_cast<std::ptrdiff_t>(inv.subcommand) + 1);
  words.push_back("--resume-failed");
  for (size_t i = inv.subcommand + 1; i < inv.argv.size(); ++i) {
    // Only among the options: the same words in the template are the task's business.
    std::string_view w = inv.argv[i];
    if (i < inv.options_end && (w == "--resume" || w == "--resume-failed")) continue;
    words.push_back(inv.argv[i]);
  }
  return QuoteCommandLine(words);
}

void AddCommandLine(const CommandLine& inv, const std::string& joblog, RunSettings* settings) {
  settings->argv = inv.argv;
  settings->options = inv.options;
  settings->resume_command = ResumeCommand(inv, joblog);
}

}  // namespace coreflow
