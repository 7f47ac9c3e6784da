#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/ids.h"
#include "engine/declared_outputs.h"
#include "engine/task_env.h"
#include "plan/template.h"

namespace coreflow {

// One stage of a pipeline as a run is given it (docs/pipelines.md).
struct StageConfig {
  std::string name;
  std::string command_text;          // the template run per item (per group, for a gather stage)
  int threads = 1;                   // threads per task: the cores a task holds
  uint64_t mem = 0;                  // bytes a task may hold (0: the run's --mem-per-task)
  std::vector<std::string> outputs;  // path templates of the files a task writes
  std::string gather;                // a template over the input: items alike form a group
  int group_size = 0;                // a group is complete at this many items (0: inputs end)
  std::string worker;                // a warm worker command: command_text is then its request
  bool scratch = false;              // its outputs are staged copies: removed when the item leaves
};

// A stage after the first, ready to run: its parsed template, outputs and task environment.
// (The first stage is the run's own command, outputs and environment.)
struct StagePlan {
  StageId id;
  std::string name;
  CommandTemplate command;
  std::unique_ptr<DeclaredOutputs> outputs;
  std::unique_ptr<TaskEnvironment> env;
  int threads = 1;
  uint64_t mem = 0;
  bool worker = false;   // its tasks are requests to warm workers
  std::string key_text;  // what its journal keys hash besides the input: name and template
};

}  // namespace coreflow
