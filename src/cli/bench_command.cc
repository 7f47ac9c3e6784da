#include "cli/bench_command.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "base/parse.h"
#include "base/plural.h"
#include "base/shell_words.h"
#include "cli/bench_output.h"
#include "cli/bench_runner.h"
#include "cli/run_command.h"
#include "cli/stage_command.h"
#include "compare/bench_session.h"
#include "run/argv_split.h"
#include "run/messages.h"
#include "run/run_flags.h"
#include "sys/clock.h"
#include "sys/cpu.h"
#include "sys/fd.h"
#include "sys/file_tree.h"
#include "sys/process.h"
#include "sys/signals.h"

namespace coreflow {
namespace {

// Why `coreflow run` with these arguments cannot be one configuration of a bench: bench keeps
// the journal and results itself, gives every configuration the same items, and compares
// them one by one (so one item per command). Parsed as `coreflow run` parses them.
std::string NotForBench(const std::vector<std::string>& args) {
  CLI::App app;
  RunOptions f;
  CLI::App* run = AddRunCommand(app, &f);
  std::vector<std::string> reversed = {args.rbegin(), args.rend()};
  reversed.push_back("run");
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  if (!f.joblog.empty() || !f.results.empty() || Resumes(f) || f.dry_run) {
    return "--joblog, --results, --resume and --dry-run are bench's own";
  }
  if (f.max_args > 0 || f.multiple || f.context_replace) {
    return "-N, -m and -X run several items per command, and bench compares items one by one";
  }
  if (!f.arg_files.empty() || !f.pipeline_file.empty()) {
    return "-a and -f bring their own inputs; every configuration gets bench's items";
  }
  for (const std::string& word : run->remaining()) {
    if (IsSourceSeparator(word)) {
      return "the items go after ::: or :::: on bench's own command line, for every "
             "configuration";
    }
  }
  const std::vector<std::string> rest = run->remaining();
  if (rest.empty()) return "it has no command";
  if (rest[0].size() > 1 && rest[0][0] == '-') {
    return fmt::format("unknown option '{}' (see coreflow run --help)", rest[0]);
  }
  return "";
}

bool ParseConfig(const std::string& text, BenchConfig* out, std::string* err) {
  size_t eq = text.find('=');
  if (eq == 0 || eq == std::string::npos) {
    *err = fmt::format("--config '{}' needs a name: --config NAME='OPTIONS COMMAND'", text);
    return false;
  }
  out->name = text.substr(0, eq);
  std::string why;
  if (!SplitShellWords(std::string_view(text).substr(eq + 1), &out->run_args, &why)) {
    *err = fmt::format("--config {}: the value {}", out->name, why);
    return false;
  }
  if (out->run_args.empty()) {
    *err = fmt::format("--config {} has no command: --config {}='OPTIONS COMMAND'", out->name,
                       out->name);
    return false;
  }
  if (std::string why = NotForBench(out->run_args); !why.empty()) {
    *err = fmt::format("--config {}: {}", out->name, why);
    return false;
  }
  return true;
}

bool ReadItems(const std::vector<std::string>& rest, std::vector<std::string>* items,
               std::string* err) {
  CommandAndSources split;
  if (!SplitCommandAndSources(rest, &split, err)) return false;
  if (!split.command.empty() || split.sources.empty()) {
    *err =
        "give the items after ::: or ::::, e.g. coreflow bench -c a='...' -c b='...' :::: "
        "items.txt";
    return false;
  }
  InputCombiner inputs;
  if (!inputs.Open(split.sources, '\n', err)) return false;
  if (inputs.num_sources() != 1) {
    *err = "bench takes one list of items (one ::: or one :::: FILE)";
    return false;
  }
  std::vector<std::string> tuple;
  for (;;) {
    ReadStatus s = inputs.Next(&tuple, err);
    if (s == ReadStatus::kEnd) break;
    if (s == ReadStatus::kError) return false;
    if (s == ReadStatus::kWouldBlock) {
      if (int e = WaitReadable(inputs.fd()); e != 0) {
        *err = "cannot read the items: " + ErrnoText(e);
        return false;
      }
      continue;
    }
    items->push_back(tuple.at(0));
  }
  if (items->empty()) {
    *err = "there are no items to run";
    return false;
  }
  return true;
}

bool CheckFlags(const BenchFlags& f, std::vector<BenchConfig>* configs, TrialOptions* trial,
                std::string* err) {
  if (f.configs.size() < 2) {
    *err = "give two or more configurations: -c NAME='OPTIONS COMMAND' -c NAME='...'";
    return false;
  }
  std::set<std::string> names;
  for (const std::string& text : f.configs) {
    BenchConfig c;
    if (!ParseConfig(text, &c, err)) return false;
    if (!names.insert(c.name).second) {
      *err = fmt::format("two configurations are named '{}'", c.name);
      return false;
    }
    configs->push_back(std::move(c));
  }
  Nanos budget = 0;
  if (!ParseDuration(f.budget, &budget, err)) {
    *err = "--budget: " + *err;
    return false;
  }
  if (f.precision <= 0 || f.warmup < 0 || f.block < 0) {
    *err = "--precision must be above 0, --warmup and --block 0 or more";
    return false;
  }
  trial->configs = static_cast<int>(configs->size());
  trial->warmup_rounds = f.warmup;
  trial->precision = f.precision / 100;
  trial->budget_s = static_cast<double>(budget) / 1e9;
  trial->seed = f.seed;
  return true;
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchFlags* f) {
  CLI::App* bench = app.add_subcommand(
      "bench",
      "Compare configurations of one workload on the same items: interleaved, randomized "
      "rounds, warm-up left out, 95 % intervals, outputs compared item by item.\n"
      "  coreflow bench -c j2='-j2 ./model.sh {}' -c j4='-j4 ./model.sh {}' :::: items.txt");
  bench
      ->add_option("-c,--config", f->configs,
                   "NAME='OPTIONS COMMAND': coreflow run's options and command for one "
                   "configuration; the first is the one the others are compared with")
      ->allow_extra_args(false);
  bench->add_option("--block", f->block,
                    "Items per block (default: one per usable core at first, then as many as "
                    "take about 0.5 s)");
  bench->add_option("--warmup", f->warmup, "Rounds run first and not counted (default 1)");
  bench->add_option("--budget", f->budget,
                    "Start no round after this long, once 2 are counted (default 60s; 0: just "
                    "those)");
  bench->add_option("--precision", f->precision,
                    "Stop once every ratio is known within this many percent (default 2)");
  bench->add_option("--seed", f->seed, "Of the order within rounds (default 1)");
  bench->add_option("--compare", f->compare,
                    "A command given two files of output that exits 0 when they agree "
                    "(default: byte for byte)");
  bench->add_option("--report", f->report, "Write the results as JSON to FILE");
  bench->add_option("--html", f->html, "Write the results as a web page to FILE");
  bench->prefix_command();  // from ::: or :::: on: the items
  return bench;
}

int BenchMain(const BenchFlags& f, const std::vector<std::string>& rest) {
  std::vector<BenchConfig> configs;
  TrialOptions trial;
  std::vector<std::string> items, compare;
  std::string err;
  if (!CheckFlags(f, &configs, &trial, &err) || !ReadItems(rest, &items, &err)) {
    return UsageError(err);
  }
  if (!f.compare.empty() && !SplitShellWords(f.compare, &compare, &err)) {
    return UsageError("--compare " + err);
  }
  // Unless told, a block starts as one item per usable core and grows after the first round
  // to about kTargetBlockSeconds for the slowest configuration.
  constexpr double kTargetBlockSeconds = 0.5;
  int block = f.block > 0 ? f.block : DetectCpuBudget(ProcessEnvironment()).usable;
  std::string work;
  if (int e = MakeTempDirectory("coreflow-bench.", &work); e != 0) {
    return UsageError("cannot make a directory for the blocks: " + ErrnoText(e));
  }
  // Ctrl-C (or SIGTERM, SIGHUP) ends the block under way and the bench, leaving nothing.
  TerminationSignals signals;
  if (int e = signals.Install(); e != 0) {
    RemoveTree(work);
    return UsageError("cannot route Ctrl-C: " + ErrnoText(e));
  }
  ChildBlockRunner runner(kSelfExe, configs, work, compare, signals.fd());
  auto seconds = [] { return static_cast<double>(MonotonicNow()) / 1e9; };
  BenchSession session(trial, items, block, &runner, seconds,
                       f.block > 0 ? 0 : kTargetBlockSeconds);
  bool terminal = IsTerminal(STDERR_FILENO);
  if (terminal) {  // one line, rewritten after each round
    session.OnRound([&](int round, double elapsed) {
      int counted = std::max(0, round + 1 - trial.warmup_rounds);
      fmt::print(stderr, "\rcoreflow bench: {} counted, {:.0f} s of {} ", Plural(counted, "round"),
                 elapsed, f.budget);
    });
  }
  BenchResult result = session.Run();
  if (terminal) fmt::print(stderr, "\r\033[K");
  RemoveTree(work);
  if (int sig = signals.ReadSignal(); sig != 0) {
    fmt::print(stderr, "coreflow bench: stopped by {}; no table, as the last round is not whole\n",
               strsignal(sig));
    return 128 + sig;
  }
  return PrintBench(f, configs, result);
}

}  // namespace coreflow
