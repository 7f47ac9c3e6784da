#include "run/param_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/plural.h"
#include "exec/process_runner.h"
#include "exec/worker_runner.h"
#include "inputs/tuple_queue.h"
#include "run/messages.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/file_tree.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// What one run of the first input printed, and how it ended.
struct Probe {
  Hash128 hash;
  uint64_t bytes = 0;
  int status = 0;
};

// The first values of every parameter, then each other value of one parameter at a time.
std::vector<Params> ProbeValues(const TuneSpace& space) {
  Params first;
  for (const TuneParam& p : space.params) first.emplace_back(p.name, p.values[0]);
  std::vector<Params> all{first};
  for (size_t i = 0; i < space.params.size(); ++i) {
    for (size_t v = 1; v < space.params[i].values.size(); ++v) {
      Params varied = first;
      varied[i].second = space.params[i].values[v];
      all.push_back(std::move(varied));
    }
  }
  return all;
}

// Only inputs that can be read twice: a pipe or stdin read here would be lost to the run.
bool ReadableTwice(const std::vector<SourceSpec>& sources) {
  for (const SourceSpec& s : sources) {
    if (s.kind == SourceSpec::Kind::kStdin || s.kind == SourceSpec::Kind::kFind) return false;
    if (s.kind == SourceSpec::Kind::kFile && !IsRegularFilePath(s.path)) return false;
  }
  return true;
}

// The run's first input, read from a source of its own. False when there is none.
bool FirstTuple(const RunConfig& config, std::vector<std::string>* tuple, std::string* err) {
  InputCombiner inputs;
  if (!inputs.Open(config.sources, config.inputs, err)) return false;
  return inputs.Next(tuple, err) == ReadStatus::kValue;
}

// Runs `tuple` once with `params`, one slot, its stdout into `out_path`.
bool RunProbe(const RunPlan& plan, const Params& params, const std::vector<std::string>& tuple,
              const std::string& dir, size_t index, Probe* probe, std::string* err) {
  std::string out_path = fmt::format("{}/stdout.{}", dir, index);
  std::string err_path = fmt::format("{}/stderr.{}", dir, index);
  UniqueFd out(OpenForWriting(out_path));
  if (!out.valid()) {
    *err = fmt::format("cannot write '{}': {}", out_path, ErrnoText(errno));
    return false;
  }
  UniqueFd errors(OpenForWriting(err_path));
  if (!errors.valid()) {
    *err = fmt::format("cannot write '{}': {}", err_path, ErrnoText(errno));
    return false;
  }
  TupleQueue queue;
  if (int e = queue.Open()) {
    *err = fmt::format("eventfd: {}", ErrnoText(e));
    return false;
  }
  queue.Push({tuple});
  queue.End();
  RunConfig c = plan.config;
  c.params = params;
  c.schedule.slots = 1;
  c.slot_cpus.clear();
  c.results_dir.clear();
  c.results_per_params = false;
  c.verbose = false;  // -v would print the command, values and all
  c.stdout_fd = out.get();
  c.stderr_fd = errors.get();
  c.inputs.remote = &queue;
  c.input_limit = 0;
  ProcessRunner runner;
  std::unique_ptr<WorkerRunner> workers;
  if (c.worker) workers = std::make_unique<WorkerRunner>(&runner, plan.worker);
  Engine engine(c, workers != nullptr ? static_cast<Runner*>(workers.get()) : &runner);
  if (!engine.Prepare(err) || !runner.Init(err)) return false;
  probe->status = engine.Run(err);
  if (!err->empty()) return false;
  if (int e = HashFile(out_path, &probe->hash, &probe->bytes)) {
    *err = fmt::format("cannot read '{}': {}", out_path, ErrnoText(e));
    return false;
  }
  return true;
}

std::string Describe(const Params& params) {
  std::string text;
  for (const auto& [name, value] : params) {
    text += fmt::format("{}{}={}", text.empty() ? "" : " ", name, value);
  }
  return text;
}

// The parameter `varied` changes against `first`.
std::string Changed(const Params& first, const Params& varied) {
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i].second != varied[i].second) return first[i].first;
  }
  return first.empty() ? "" : first[0].first;
}

// Where two probes differ, for the message: the status, or the first line that differs.
std::string Difference(const Probe& a, const Probe& b, const std::string& dir, size_t index) {
  if (a.status != b.status) return fmt::format("exit status {} against {}", b.status, a.status);
  std::string first;
  std::string other;
  if (!ReadSmallFile(dir + "/stdout.0", &first) ||
      !ReadSmallFile(fmt::format("{}/stdout.{}", dir, index), &other)) {
    return fmt::format("{} bytes of stdout against {}", b.bytes, a.bytes);
  }
  size_t at = 0;
  while (at < first.size() && at < other.size() && first[at] == other[at]) ++at;
  size_t line = static_cast<size_t>(std::count(first.begin(), first.begin() + at, '\n')) + 1;
  size_t start = at == 0 ? std::string::npos : first.rfind('\n', at - 1);
  start = start == std::string::npos ? 0 : start + 1;  // the common prefix holds the line start
  auto text = [start](const std::string& s) {
    return s.substr(start, std::min<size_t>(s.find('\n', start) - start, 60));
  };
  return fmt::format("line {} of stdout: '{}' against '{}'", line, text(other), text(first));
}

}  // namespace

std::optional<int> CheckParamsKeepOutput(const RunPlan& plan, const TuneSpace& space) {
  const RunConfig& config = plan.config;
  if (!config.outputs.empty()) {
    Warn(
        "--tune-param: tasks write --outputs files, which are not compared; make sure the "
        "values do not change them, or give --param-changes-output");
    return std::nullopt;
  }
  if (config.inputs.remote != nullptr || !ReadableTwice(config.sources)) {
    Warn(
        "--tune-param: the inputs come from stdin or a pipe, so the check that the values "
        "keep the output the same cannot read the first one; give them as a file (:::: FILE) "
        "to have it, or --param-changes-output");
    return std::nullopt;
  }
  std::string err;
  std::vector<std::string> tuple;
  if (!FirstTuple(config, &tuple, &err)) {
    if (!err.empty()) return UsageError(err);
    return std::nullopt;  // no inputs: nothing will run
  }
  std::string dir;
  if (int e = MakeTempDirectory("coreflow-param-check.", &dir)) {
    return UsageError(fmt::format("cannot make a temporary directory: {}", ErrnoText(e)));
  }
  std::vector<Params> runs = ProbeValues(space);
  Say(
      fmt::format("coreflow: autotune: checking that the --tune-param values print the same: the "
                  "first input, {}\n",
                  Plural(runs.size(), "run")));
  Nanos started = MonotonicNow();
  std::optional<int> stop;
  std::vector<Probe> probes(runs.size());
  for (size_t i = 0; i < runs.size() && !stop; ++i) {
    if (!RunProbe(plan, runs[i], tuple, dir, i, &probes[i], &err)) {
      stop = UsageError(fmt::format("--tune-param check with {}: {}", Describe(runs[i]), err));
    } else if (probes[i].status >= 128) {  // interrupted: stop as the run would
      stop = probes[i].status;
    } else if (i > 0 &&
               (probes[i].hash != probes[0].hash || probes[i].status != probes[0].status)) {
      stop = UsageError(fmt::format(
          "--tune-param {}: the first input's output with {} differs from that with {} ({}), "
          "so tuning would mix results; if the parameter may change them, give "
          "--param-changes-output (with --results DIR: each value's results apart)",
          Changed(runs[0], runs[i]), Describe(runs[i]), Describe(runs[0]),
          Difference(probes[0], probes[i], dir, i)));
    }
  }
  RemoveTree(dir);
  if (!stop) {
    Say(fmt::format("coreflow: autotune: the same output with each value ({:.1f} s)\n",
                    ToSeconds(MonotonicNow() - started)));
  }
  return stop;
}

}  // namespace coreflow
