#include "cli/gnu_flags.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/parse.h"
#include "base/spelling.h"
#include "cli/run_command.h"

namespace coreflow {
namespace {

// GNU parallel options coreflow leaves out on purpose, and what to do instead.
constexpr std::array<std::pair<std::string_view, std::string_view>, 30> kGnuHints = {{
    {"--pipe", "split the input into files first (split -l N) and give them as inputs"},
    {"--pipepart", "split the input into files first (split -l N) and give them as inputs"},
    {"--block", "split the input into files first (split -b SIZE) and give them as inputs"},
    {"-S", "coreflow runs on this node; for several nodes run one coreflow per node (Slurm)"},
    {"--sshlogin", "coreflow runs on this node; for several nodes run one coreflow per node"},
    {"--sshloginfile", "coreflow runs on this node; for several nodes run one coreflow per node"},
    {"--slf", "coreflow runs on this node; for several nodes run one coreflow per node"},
    {"--env", "tasks inherit coreflow's whole environment: export the variable instead"},
    {"--shuf", "shuffle the inputs first: shuf inputs.txt | coreflow run ..."},
    {"--nice", "run coreflow itself under nice: nice -n 10 coreflow run ..."},
    {"--load", "coreflow sizes -j from the usable CPUs; give -j N to run fewer"},
    {"--noswap", "use --memfree SIZE to start no task while memory is short"},
    {"--delay", "not supported; coreflow starts tasks as slots free up"},
    {"--semaphore", "not supported; run each command under one coreflow run instead"},
    {"--sem", "not supported; run each command under one coreflow run instead"},
    {"--fifo", "not supported"},
    {"--cat", "not supported"},
    {"--files", "use --results DIR: each task's stdout and stderr are saved as files there"},
    {"--workdir", "change directory in the command: coreflow run 'cd DIR && cmd {}' ..."},
    {"--wd", "change directory in the command: coreflow run 'cd DIR && cmd {}' ..."},
    {"--xargs", "use -m: as many inputs per command as fit the command line"},
    {"-L", "use -N N: N inputs per command"},
    {"--max-lines", "use -N N: N inputs per command"},
    {"--rpl", "not supported; use the built-in replacement strings or shell code"},
    {"--plus", "not supported; use the built-in replacement strings or shell code"},
    {"--ctag", "use --tag"},
    {"--ctagstring", "use --tagstring STR"},
    {"--use-cpus-instead-of-cores", "coreflow counts usable CPUs already; give -j N to choose"},
    {"--round-robin", "not supported"},
    {"--tmux", "not supported"},
}};

}  // namespace

void AddGnuHabitFlags(CLI::App* run, RunOptions* f) {
  run->add_flag("-v,--verbose", f->verbose,
                "Print each command on stdout before its output, as GNU parallel's -v");
  run->add_flag("-q,--quote", f->quote,
                "Quote the command words, so shell syntax in them is passed on literally: "
                "coreflow run -q python3 -c 'import sys; print(sys.argv[1])' {} ::: a");
  run->add_option("-I,--replace", f->replace_string,
                  "Use STR instead of {} for the input in the command (GNU parallel's -I)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.empty() ? std::string("needs a string, e.g. -I @@") : std::string();
          },
          "", ""));
  run->add_flag("--tag", f->tag, "Prefix each output line with the task's input and a TAB");
  run->add_option("--tagstring", f->tagstring,
                  "Prefix each output line with STR and a TAB; STR may hold replacement "
                  "strings: --tagstring '{#} {/.}'");
  run->add_flag("--dryrun", f->dry_run, "The same as --dry-run (GNU parallel's spelling)");
  run->add_flag("--will-cite", f->will_cite, "Accepted for GNU parallel scripts; does nothing");
}

CLI::Validator CountWithMultiplier() {
  return CLI::Validator(
      [](std::string& value) {
        int64_t n = 0;
        std::string err;
        if (!ParseCount(value, &n, &err)) return err;
        value = std::to_string(n);
        return std::string();
      },
      "", "");
}

CLI::Validator ThreadsValue() {
  return CLI::Validator(
      [](std::string& value) {
        int64_t n = 0;
        if (!ParseInt(value, &n)) {
          return fmt::format(
              "'{}' is not a number: -t N is threads per task in coreflow; to print each "
              "command as GNU parallel's -t does, use -v (--verbose)",
              value);
        }
        if (n < 1 || n > 1'000'000) return fmt::format("{} is not between 1 and 1000000", value);
        return std::string();
      },
      "", "");
}

std::string GnuOptionHint(std::string_view option) {
  std::string_view name = option.substr(0, option.find('='));
  for (const auto& [gnu, hint] : kGnuHints) {
    if (name == gnu) return std::string(hint);
  }
  return "";
}

std::string NearestOption(const CLI::App& app, std::string_view given) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
  }
  std::string_view name = given.substr(0, given.find('='));
  if (name.size() <= 2) return "";  // -x: too short to guess from
  return NearestWord(name, names);
}

std::string NearestCommand(const CLI::App& app, std::string_view given) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return NearestWord(given, names);
}

}  // namespace coreflow
