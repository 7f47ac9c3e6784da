#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "exec/worker_runner.h"
#include "plan/pipeline.h"
#include "run/run_flags.h"

namespace coreflow {

// `coreflow run -f FILE`: reads and checks the pipeline file. False with *err (one line naming
// the file and line) when it cannot be read or is wrong.
bool ReadPipelineFile(const std::string& path, PipelineSpec* spec, std::string* err);

// Turns a pipeline of one stage into the flags and words of the same run written on the
// command line: the stage's keys fill the flags the command line left unset (the command line
// wins), its command becomes the template and the file's inputs its sources. `words` holds
// what followed the options: only inputs (::: ...), and only when the file has none.
bool ApplyOneStage(const PipelineSpec& spec, RunFlags* flags, std::vector<std::string>* words,
                   std::string* err);

// A pipeline of several stages: the first stage's keys fill the flags as ApplyOneStage's do,
// except that -j (or `jobs`) is the budget of cores every stage's tasks share. False with *err
// for what such a pipeline cannot be run with (a usage error before anything runs).
bool ApplySeveralStages(const PipelineSpec& spec, RunFlags* flags, std::vector<std::string>* words,
                        std::string* err);
// Staging stages (`stage = { to = ... }`) become copy tasks: this binary's `__copy {} DIR/{}`,
// with $VARIABLES of `to` expanded from `env`, and --stage-max (`stage_max`, "" when not
// given) as their cap. False with *err for an unset variable, a directory that cannot be put
// in a command, a staging stage that is not the first, or --stage-max without one. The copies
// run `program __copy` (coreflow itself).
bool PrepareStagingStages(const Environment& env, const std::string& stage_max,
                          const std::string& program, PipelineSpec* spec, std::string* err);

// Puts the stages of a pipeline of several stages into the planned run: false with *err when
// a stage asks for GPUs that config->gpu_ids (from `gpu_source`) cannot give.
bool SetStages(const PipelineSpec& spec, const std::string& gpu_source, RunConfig* config,
               std::string* err);
// The warm worker of each stage that has one (null for the others); empty when none has.
bool StageWorkers(const RunConfig& config, Nanos term_grace,
                  std::vector<std::unique_ptr<WorkerOptions>>* out, std::string* err);

// What --dry-run prints for a pipeline: its inputs, then each stage with what it asks for.
std::string DescribePipeline(const PipelineSpec& spec);

}  // namespace coreflow
