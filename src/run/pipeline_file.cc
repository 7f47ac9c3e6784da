#include "run/pipeline_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/parse.h"
#include "inputs/find_source.h"
#include "run/argv_split.h"
#include "run/gpu_plan.h"
#include "run/staging_copy.h"
#include "run/worker_flags.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

std::string Sources(const PipelineSpec& spec) {
  std::string out;
  for (const PipelineSource& s : spec.sources) {
    std::string sep = s.file.empty() ? ":::" : "::::";
    if (s.link) sep += "+";
    out += " " + sep;
    if (!s.file.empty()) {
      out += " " + s.file;
    } else if (!s.glob.empty()) {
      out += " " + s.glob + " (walked, as --find)";
    } else {
      for (const std::string& v : s.values) out += " " + v;
    }
  }
  return out.empty() ? " (from the command line or standard input)" : out;
}

std::string Asks(const PipelineStage& s) {
  std::vector<std::string> parts = {fmt::format("threads {}", s.threads)};
  if (s.slots > 0) parts.push_back(fmt::format("slots {}", s.slots));
  if (s.mem > 0) parts.push_back(fmt::format("mem {} MiB", s.mem >> 20));
  if (s.gpus > 0) parts.push_back(fmt::format("gpus {}", s.gpus));
  if (s.timeout > 0) parts.push_back("timeout " + FormatDuration(s.timeout));
  if (s.retries > 0) parts.push_back(fmt::format("retries {}", s.retries));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// What a stage of a one-stage file cannot be on the command line yet.
bool CheckOneStage(const PipelineSpec& spec, std::string* err) {
  const PipelineStage& s = spec.stages[0];
  if (s.gather.empty()) return true;
  *err = fmt::format(
      "{}: stage '{}' gathers, and a pipeline of one stage has nothing to gather from; "
      "remove 'gather'",
      spec.origin, s.name);
  return false;
}

// The words of the run: the first stage's command, then the file's inputs or the command
// line's.
bool SetWords(const PipelineSpec& spec, RunFlags* flags, std::vector<std::string>* words,
              std::string* err) {
  if (!words->empty() && !IsSourceSeparator((*words)[0])) {
    *err = fmt::format(
        "'{}' follows -f {}: the file gives the command; put only inputs "
        "(::: values, :::: files) after it",
        (*words)[0], spec.origin);
    return false;
  }
  if ((!words->empty() || !flags->finds.empty()) && !spec.sources.empty()) {
    *err = fmt::format(
        "{} has [[input]] tables and the command line gives inputs too; give them "
        "in one place",
        spec.origin);
    return false;
  }
  const PipelineStage& s = spec.stages[0];
  std::vector<std::string> out = {s.command.empty() && !s.worker.empty() ? "{}" : s.command};
  // A first glob is streamed as --find is; a later one is walked whole now, as a product or a
  // link needs all its values anyway.
  bool linked = std::any_of(spec.sources.begin(), spec.sources.end(),
                            [](const PipelineSource& src) { return src.link; });
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const PipelineSource& src = spec.sources[i];
    if (!src.glob.empty() && i == 0 && !linked) {
      flags->finds.push_back(src.glob);
      continue;
    }
    out.push_back(std::string(src.file.empty() ? ":::" : "::::") + (src.link ? "+" : ""));
    if (!src.file.empty()) {
      out.push_back(src.file);
    } else if (!src.glob.empty()) {
      std::vector<std::string> paths;
      if (!FindAll(src.glob, flags->find_threads, &paths, err)) {
        *err = spec.origin + ": " + *err;
        return false;
      }
      out.insert(out.end(), paths.begin(), paths.end());
    } else {
      out.insert(out.end(), src.values.begin(), src.values.end());
    }
  }
  out.insert(out.end(), words->begin(), words->end());
  *words = std::move(out);
  return true;
}

// What a pipeline of several stages cannot be run with yet, in the file.
bool CheckStages(const PipelineSpec& spec, std::string* err) {
  const PipelineStage* gpu_worker = nullptr;
  for (const PipelineStage& s : spec.stages) {
    if (s.gpus > 0 && !s.worker.empty()) gpu_worker = &s;
  }
  for (const PipelineStage& s : spec.stages) {
    // A warm worker keeps its GPUs for the run: another stage could wait for them forever.
    if (gpu_worker != nullptr && &s != gpu_worker && s.gpus > 0) {
      *err = fmt::format(
          "{}: stage '{}' runs warm workers that keep their GPUs for the run, so stage '{}' "
          "cannot ask for GPUs too; give it none, or run '{}' as a command",
          spec.origin, gpu_worker->name, s.name, gpu_worker->name);
      return false;
    }
    if (!s.gather.empty() && s.id.value() + 1 != static_cast<int>(spec.stages.size())) {
      *err = fmt::format("{}: stage '{}' gathers but is not the last stage; make it the last",
                         spec.origin, s.name);
      return false;
    }
    if (!s.gather.empty() && !FindStageReferences(s.gather).empty()) {
      *err = fmt::format(
          "{}: stage '{}': gather = \"{}\" names a stage's outputs; a group is known when an "
          "item is read, so use its input ({{}}, {{//}}, {{1}} ...)",
          spec.origin, s.name, s.gather);
      return false;
    }
  }
  return true;
}

// The command line's flags a pipeline of several stages cannot be run with; "" if none.
std::string UnsupportedFlag(const RunFlags& f) {
  if (!f.worker.command.empty()) return "--worker";
  if (f.max_args > 0 || f.multiple || f.context_replace) return "-N, -m and -X";
  if (f.keep_order) return "-k";
  if (!f.results.empty()) return "--results";
  if (f.bind) return "--bind";
  if (f.autotune || f.tune_command) return "autotuning";
  if (!f.outputs.empty()) return "--outputs (give each stage's outputs in the file)";
  if (f.threads > 0) return "-t (give each stage's threads in the file)";
  if (!f.gpus_per_task.empty()) return "--gpus-per-task (give each stage's gpus in the file)";
  return "";
}

// `$NAME` and `${NAME}` in a staging directory, from the environment.
bool ExpandVariables(const std::string& text, const Environment& env, std::string* out,
                     std::string* missing) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out->push_back(text[i]);
      continue;
    }
    bool braced = i + 1 < text.size() && text[i + 1] == '{';
    size_t begin = i + (braced ? 2 : 1), end = begin;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    if (end == begin || (braced && (end >= text.size() || text[end] != '}'))) {
      out->push_back('$');  // not a variable: literal
      continue;
    }
    std::string name = text.substr(begin, end - begin);
    const std::string* value = env.Get(name);
    if (value == nullptr || value->empty()) {
      *missing = name;
      return false;
    }
    *out += *value;
    i = braced ? end : end - 1;
  }
  return true;
}

}  // namespace

bool PrepareStagingStages(const Environment& env, const std::string& stage_max,
                          const std::string& program, PipelineSpec* spec, std::string* err) {
  uint64_t cap = 0;
  if (!stage_max.empty()) {
    int64_t bytes = 0;
    if (!ParseSize(stage_max, &bytes, err) || bytes <= 0) {
      *err = fmt::format("--stage-max: {}", err->empty() ? "must be more than 0" : *err);
      return false;
    }
    cap = static_cast<uint64_t>(bytes);
    bool any = std::any_of(spec->stages.begin(), spec->stages.end(),
                           [](const PipelineStage& s) { return !s.stage_to.empty(); });
    if (!any) {
      *err = fmt::format("--stage-max caps the copies of a staging stage, and {} has none",
                         spec->origin);
      return false;
    }
  }
  for (PipelineStage& s : spec->stages) {
    if (s.stage_to.empty()) continue;
    if (s.id.value() != 0) {  // an item's copies are made before anything else of it
      *err = fmt::format("{}: stage '{}' stages inputs and must be the first stage", spec->origin,
                         s.name);
      return false;
    }
    if (spec->sources.size() > 1) {
      *err = fmt::format("{}: stage '{}' copies one file per item; give one [[input]]",
                         spec->origin, s.name);
      return false;
    }
    if (cap > 0) s.stage_max = cap;
    std::string dir, missing;
    if (!ExpandVariables(s.stage_to, env, &dir, &missing)) {
      *err = fmt::format(
          "{}: stage '{}': stage.to '{}' names ${}, which is not set; set it or "
          "give the directory itself",
          spec->origin, s.name, s.stage_to, missing);
      return false;
    }
    if (!PlainPath(dir)) {
      *err = fmt::format(
          "{}: stage '{}': stage.to '{}' holds characters coreflow does not put "
          "in a command; use a plain directory path",
          spec->origin, s.name, dir);
      return false;
    }
    if (program.empty() || !PlainPath(program)) {
      *err = fmt::format(
          "{}: stage '{}' copies with the coreflow program, and {}; install coreflow beside the "
          "library or on PATH, or name it in RunOptions::coreflow_program",
          spec->origin, s.name,
          program.empty() ? "none was found" : "its path '" + program + "' is not plain");
      return false;
    }
    s.stage_to = dir;
    s.outputs = {dir + "/{}"};  // the input's own path under the directory
    // The command's own copies run /proc/self/exe, so the journal's key stays if it moves.
    s.command = fmt::format("{} {} {{}} {}/{{}}", program, kCopyCommand, dir);
    if (s.slots == 0) s.slots = kDefaultCopies;
  }
  return true;
}

bool ApplySeveralStages(const PipelineSpec& spec, RunFlags* flags, std::vector<std::string>* words,
                        std::string* err) {
  if (!CheckStages(spec, err)) return false;
  if (std::string flag = UnsupportedFlag(*flags); !flag.empty()) {
    *err = fmt::format("{} has {} stages, and {} is for a run of one command", spec.origin,
                       spec.stages.size(), flag);
    return false;
  }
  if (!SetWords(spec, flags, words, err)) return false;
  if (flags->jobs.empty() && spec.jobs > 0) flags->jobs = std::to_string(spec.jobs);
  for (const PipelineStage& s : spec.stages) flags->stages_ask_gpus |= s.gpus > 0;
  return true;
}

bool SetStages(const PipelineSpec& spec, const std::string& gpu_source, RunConfig* config,
               std::string* err) {
  config->pipeline.clear();
  config->schedule.stages.clear();
  for (const PipelineStage& s : spec.stages) {
    StageConfig c;
    c.name = s.name;
    c.command_text = s.command.empty() && !s.worker.empty() ? "{}" : s.command;
    c.worker = s.worker;
    c.threads = s.threads;
    c.mem = s.mem;
    c.outputs = s.outputs;
    c.gather = s.gather;
    c.group_size = s.group_size;
    config->pipeline.push_back(std::move(c));
    StageOptions o;
    o.cores = s.threads;
    o.slots = s.slots;
    if (s.timeout > 0) o.timeout = s.timeout;
    if (s.retries > 0) o.max_attempts = s.retries + 1;
    o.timeout_from_began = !s.worker.empty();  // a worker's start-up is not the task's time
    std::string what = fmt::format("{}: stage '{}': gpus", spec.origin, s.name);
    if (s.gpus > 0 && (!GpuAskShares(s.gpus, what, &o.gpus, err) ||
                       !CheckGpuAsk(o.gpus, what, config->gpu_ids.size(), gpu_source, err))) {
      return false;
    }
    o.gpus_per_slot = !s.worker.empty();  // a warm worker keeps its devices for life
    if (!s.stage_to.empty()) {            // copies wait on I/O: they hold no core of the budget
      o.cores = 0;
      o.ahead = s.prefetch;
      o.holds_scratch = true;
      config->schedule.scratch_cap = s.stage_max;
      config->pipeline.back().scratch = true;
    }
    config->schedule.stages.push_back(o);
  }
  const PipelineStage& first = spec.stages[0];
  config->threads_per_task = first.threads;
  config->threads_explicit = true;  // each stage's threads, whatever the environment exports
  config->outputs = first.outputs;
  config->worker = !first.worker.empty();
  return true;
}

bool StageWorkers(const RunConfig& config, Nanos term_grace,
                  std::vector<std::unique_ptr<WorkerOptions>>* out, std::string* err) {
  out->clear();
  bool any = false;
  for (const StageConfig& s : config.pipeline) {
    if (s.worker.empty()) {
      out->push_back(nullptr);
      continue;
    }
    any = true;
    WorkerFlags flags;
    flags.command = s.worker;
    auto options = std::make_unique<WorkerOptions>();
    if (!ResolveWorkerFlags(flags, term_grace, options.get(), err)) {
      *err = fmt::format("stage '{}': {}", s.name, *err);
      return false;
    }
    out->push_back(std::move(options));
  }
  if (!any) out->clear();
  return true;
}

bool ReadPipelineFile(const std::string& path, PipelineSpec* spec, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = fmt::format("cannot read pipeline file '{}': {}", path, std::strerror(errno));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *err = fmt::format("cannot read pipeline file '{}': {}", path, std::strerror(errno));
    return false;
  }
  return LoadPipeline(text.str(), path, spec, err);
}

bool ApplyOneStage(const PipelineSpec& spec, RunFlags* flags, std::vector<std::string>* words,
                   std::string* err) {
  if (!CheckOneStage(spec, err) || !SetWords(spec, flags, words, err)) return false;
  const PipelineStage& s = spec.stages[0];
  // The command line wins over the file: a flag given there stays as it is.
  if (flags->jobs.empty() && s.slots > 0) flags->jobs = std::to_string(s.slots);
  if (flags->jobs.empty() && spec.jobs > 0) {
    flags->jobs = std::to_string(std::max(1, spec.jobs / s.threads));  // -j counts tasks
  }
  if (flags->threads == 0) flags->threads = s.threads;  // the file's, 1 unless it says
  if (flags->worker.command.empty()) flags->worker.command = s.worker;
  if (flags->mem_per_task.empty() && s.mem > 0) flags->mem_per_task = std::to_string(s.mem);
  if (flags->timeout.empty() && s.timeout > 0) {
    flags->timeout = fmt::format("{}ms", (s.timeout + kNanosPerMilli - 1) / kNanosPerMilli);
  }
  if (flags->retries < 0 && s.retries > 0) flags->retries = s.retries + 1;
  if (flags->outputs.empty()) flags->outputs = s.outputs;
  if (flags->gpus_per_task.empty() && s.gpus > 0) flags->gpus_per_task = fmt::format("{}", s.gpus);
  return true;
}

std::string DescribePipeline(const PipelineSpec& spec) {
  std::string out = fmt::format(
      "pipeline {}: {} stage{}, {}\n", spec.origin, spec.stages.size(),
      spec.stages.size() == 1 ? "" : "s",
      spec.jobs > 0 ? fmt::format("{} cores", spec.jobs) : std::string("the usable cores"));
  out += "inputs:" + Sources(spec) + "\n";
  for (const PipelineStage& s : spec.stages) {
    out += fmt::format("stage {} '{}'{}: {}\n", s.id.value() + 1, s.name,
                       s.gather.empty() ? "" : " (once per group " + s.gather + ")", Asks(s));
    if (!s.worker.empty()) out += "  worker:  " + s.worker + "\n";
    out += fmt::format("  {} {}\n", s.worker.empty() ? "command:" : "request:", s.command);
    for (const std::string& o : s.outputs) out += "  output:  " + o + "\n";
  }
  return out;
}

}  // namespace coreflow
