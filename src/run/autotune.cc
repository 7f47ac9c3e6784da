#include "run/autotune.h"

#include <ctime>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/plural.h"
#include "base/version.h"
#include "engine/pinning.h"
#include "run/hw_info.h"
#include "run/messages.h"
#include "sys/process.h"
#include "sys/topology.h"

namespace coreflow {
namespace {

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

void ApplyConfig(const TuneConfig& c, const std::vector<std::vector<int>>& cpus,
                 const std::vector<std::string>& param_names, RunConfig* config) {
  config->params.clear();
  for (size_t i = 0; i < param_names.size() && i < c.params.size(); ++i) {
    config->params.emplace_back(param_names[i], c.params[i]);
  }
  config->schedule.slots = c.slots;
  config->threads_per_task = c.threads;
  config->threads_explicit = true;
  if (config->batch.mode == BatchOptions::Mode::kCount) config->batch.max_inputs = c.batch;
  config->slot_cpus = c.bind ? cpus : std::vector<std::vector<int>>{};
}

// --tune-param: the space's parameters; until a trial or the cache says otherwise, each has
// its first value. --param-changes-output: each value's results apart.
bool ReadTuneParams(const RunFlags& f, TuneSpace* space, RunConfig* config, std::string* err) {
  for (const std::string& text : f.tune_params) {
    TuneParam p;
    if (!ParseTuneParam(text, &p, err)) return false;
    for (const TuneParam& q : space->params) {
      if (q.name == p.name) {
        *err = fmt::format("--tune-param {} is given twice", p.name);
        return false;
      }
    }
    config->params.emplace_back(p.name, p.values[0]);
    space->params.push_back(std::move(p));
  }
  if (f.param_changes_output) {
    if (space->params.empty()) {
      *err = "--param-changes-output goes with --tune-param";
      return false;
    }
    if (config->results_dir.empty()) {
      *err =
          "--param-changes-output keeps each --tune-param value's results apart: give "
          "--results DIR (they go to DIR/NAME=VALUE/)";
      return false;
    }
    config->results_per_params = true;
  }
  return true;
}

}  // namespace

bool PrepareAutotune(const RunFlags& f, const CpuBudget& cpus, RunConfig* config,
                     AutotuneSetup* out, std::string* err) {
  bool tune = f.autotune || f.tune_command;
  if (!tune) {
    if (f.retune || f.no_tune_cache || f.tune_mode != "default" || !f.tune_params.empty() ||
        f.param_changes_output) {
      *err =
          "--retune, --no-tune-cache, --tune-mode, --tune-param and --param-changes-output go "
          "with --autotune (or coreflow tune)";
      return false;
    }
    return true;
  }
  if (!f.jobs.empty() || f.threads > 0) {
    *err = "--autotune chooses -j and -t itself: drop them, or drop --autotune";
    return false;
  }
  AutotuneSetup s;
  if (!ReadTuneParams(f, &s.space, config, err)) return false;
  if (config->dry_run) return true;
  ParseTuneMode(f.tune_mode, &s.options.mode);
  s.options.budget_fraction = s.options.mode == TuneMode::kQuick        ? 0.02
                              : s.options.mode == TuneMode::kExhaustive ? 0.25
                                                                        : 0.05;
  Environment env = config->environment;
  HwInfo hw = GatherHwInfo(env, "");
  s.space.cores = cpus.usable;
  // Cores per L3 group and per NUMA node: thread counts that fill one of them.
  if (hw.topology.l3_groups > 0)
    s.space.group_cores.push_back(hw.topology.cores / hw.topology.l3_groups);
  if (hw.topology.numa_nodes > 0) {
    s.space.group_cores.push_back(hw.topology.cores / hw.topology.numa_nodes);
  }
  if (config->batch.mode == BatchOptions::Mode::kCount)
    s.space.max_batch = config->batch.max_inputs;
  s.space.bind = f.bind;
  s.space.try_bind = !f.bind && s.options.mode != TuneMode::kQuick && hw.topology.cores > 1;
  if (config->mem_per_task > 0 && hw.memory.usable_bytes > 0) {
    s.space.max_slots =
        std::max<int>(1, static_cast<int>(hw.memory.usable_bytes / config->mem_per_task));
  }
  s.options.memory_bytes = hw.memory.usable_bytes;
  Topology topology = hw.topology;
  s.options.carve = [topology](int slots) { return CarveSlots(topology, slots); };
  s.default_config = DefaultConfig(s.space);

  s.key.hardware = hw.signature.text;
  s.key.allocation = fmt::format("usable_cores={}\nmax_slots={}\n", cpus.usable, s.space.max_slots);
  s.key.software = fmt::format("blas={}\ncoreflow={}\n", hw.blas.name, kVersion);
  s.key.workload = fmt::format("template={}\nbatch={}:{}\nbind={}\n", config->command_text,
                               static_cast<int>(config->batch.mode), config->batch.max_inputs,
                               f.bind ? "on" : "tried");
  if (config->worker) s.key.workload += fmt::format("worker={}\n", f.worker.command);
  for (const TuneParam& p : s.space.params) {
    s.key.workload += fmt::format("param={}:{}\n", p.name, fmt::join(p.values, ","));
  }
  s.use_cache = !f.no_tune_cache;
  s.cache_dir = TuneCacheDir(env);
  bool retune = f.retune || f.tune_command;
  if (s.use_cache && !retune && LoadTune(s.cache_dir, s.key, &s.cached)) {
    TuneMode cached_mode = TuneMode::kQuick;  // an unreadable mode counts as the weakest
    ParseTuneMode(s.cached.mode, &cached_mode);
    s.from_cache = cached_mode >= s.options.mode;  // a harder look answers an easier one
    if (!s.from_cache) {
      s.note = fmt::format(
          "coreflow: autotune: the cached answer was tuned in {} mode; tuning again in {} mode\n",
          s.cached.mode, f.tune_mode);
    }
  }
  if (s.from_cache) {
    ApplyConfig(s.cached.config, CarveSlots(topology, s.cached.config.slots), s.space.param_names(),
                config);
  } else {
    s.tuning = true;
    ApplyConfig(s.default_config, {}, s.space.param_names(), config);  // where trials begin
  }
  *out = std::move(s);
  return true;
}

std::string FinishAutotune(AutotuneSetup& s, const AutotuneController& c) {
  const TuneSearch& search = c.search();
  if (c.too_few_inputs() > 0) {
    return fmt::format(
        "coreflow: autotune: too few inputs to tune on (a search needs {} or more): ran them "
        "with the default {}, no trials, nothing cached\n",
        c.too_few_inputs(), s.default_config.Describe(s.space.param_names()));
  }
  if (search.trials().empty()) {
    return "coreflow: autotune: the run ended before a trial finished: nothing was learnt\n";
  }
  TuneConfig winner = search.Winner();
  double rate = search.WinnerRate();
  double default_rate = 0;
  for (const TrialResult& t : search.trials()) {
    if (t.config == s.default_config) default_rate = std::max(default_rate, t.rate);
  }
  std::string out =
      fmt::format("coreflow: autotune: chose {} ({:.3g} inputs/s{}); {} over {}\n",
                  winner.Describe(s.space.param_names()), rate,
                  default_rate > 0 && !(winner == s.default_config)
                      ? fmt::format(", {:.2f}x the default {}", rate / default_rate,
                                    s.default_config.Describe(s.space.param_names()))
                      : "",
                  Plural(search.trials().size(), "trial"), Plural(c.inputs_used(), "input"));
  if (!c.finished()) {
    out += "coreflow: autotune: the run ended before the search did: not cached\n";
    return out;
  }
  if (!s.use_cache) return out;
  CachedTune entry;
  entry.config = winner;
  entry.rate = rate;
  entry.default_rate = default_rate;
  entry.host = HostName();
  entry.tuned_at = UtcNow();
  entry.mode = s.options.mode == TuneMode::kQuick        ? "quick"
               : s.options.mode == TuneMode::kExhaustive ? "exhaustive"
                                                         : "default";
  entry.trials = search.trials();
  if (int e = SaveTune(s.cache_dir, s.key, entry)) {
    out += fmt::format("coreflow: warning: cannot write the tuning cache in '{}': {}\n",
                       s.cache_dir, ErrnoText(e));
  } else {
    out += fmt::format("coreflow: autotune: cached in {}/{}.json\n", s.cache_dir, s.key.Hash());
  }
  return out;
}

int ListTuneCache(const Environment& env) {
  std::string dir = TuneCacheDir(env);
  auto entries = ListTunes(dir);
  if (entries.empty()) {
    fmt::print("no tuned configurations in {}\n", dir);
    return 0;
  }
  for (const CachedTuneFile& f : entries) {
    std::string workload = f.tune.key_text.substr(f.tune.key_text.find("[workload]"));
    std::string line = workload.substr(workload.find('\n') + 1);
    line = line.substr(0, line.find('\n'));
    fmt::print("{}\n  {} at {:.3g} inputs/s ({} mode, {} on {})\n  {}\n", f.path,
               f.tune.config.Describe(), f.tune.rate, f.tune.mode, f.tune.tuned_at, f.tune.host,
               line);
  }
  return 0;
}

int ClearTuneCache(const Environment& env) {
  std::string dir = TuneCacheDir(env);
  int n = ClearTunes(dir);
  if (n < 0) {
    SayError(fmt::format("cannot clear '{}': {}", dir, ErrnoText(-n)));
    return 255;
  }
  fmt::print("removed {} tuned configuration{} from {}\n", n, n == 1 ? "" : "s", dir);
  return 0;
}

}  // namespace coreflow
