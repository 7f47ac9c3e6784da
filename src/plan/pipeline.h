#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/time.h"
#include "coreflow/run_options.h"

namespace coreflow {

// One input source of a pipeline, as `:::`, `::::`, `:::+` and `::::+` are on the command line.
struct PipelineSource {
  std::vector<std::string> values;  // `values = [...]`: the values themselves (:::)
  std::string file;                 // `file = "..."`: one value per line (::::; "-" is stdin)
  std::string glob;   // `glob = "pdb/*/*.pdb"`: the paths it matches when the run starts, sorted
  bool link = false;  // read side by side with the source before it, not as a product (:::+)
};

// What a stage's template says of an earlier stage: `{NAME.output}` (its first declared output
// for this item) or `{NAME.outputs}` (all of them; in a gather stage, every item's of the group).
struct StageReference {
  StageId stage;
  bool all = false;  // .outputs
};

// One stage: a task template run once per item (or once per group, for a gather stage) when
// the item has finished the stage before.
struct PipelineStage {
  StageId id;
  std::string name;     // [a-z][a-z0-9_-]*, unique; names the stage in references and reports
  std::string command;  // the template run per item, or the request template with `worker`
  std::string worker;   // a warm worker started once per slot of this stage ("" for none)
  int threads = 1;      // threads per task (OMP_NUM_THREADS and the rest)
  uint64_t mem = 0;     // bytes a task may hold (--mem-per-task); 0: no limit
  double gpus = 0;      // devices per task; below 1 shares a device
  Nanos timeout = 0;    // 0: none
  int retries = 0;      // extra attempts after a failure
  int slots = 0;        // tasks of this stage at once; 0: where the queue is
  std::vector<std::string> outputs;  // path templates of the files a task writes
  // A gather stage runs once per group: items whose `gather` template expands alike form a
  // group, complete when every item of it has passed the stage before ("": not a gather).
  std::string gather;
  int group_size = 0;  // a group is complete at this many items (0: when the inputs end)
  std::vector<StageReference> references;  // the earlier stages its templates name
  // A staging stage (`stage = { to = "DIR", prefetch = K }`): copies each item's input under
  // DIR, its path kept (outputs = ["DIR/{}"]), and removes the copy when the item's last stage
  // has ended; at most `prefetch` items copied or being copied ahead of the next stage.
  std::string stage_to;    // "" for a stage that runs a command
  int prefetch = 0;        // 0: as far ahead as the queues allow
  uint64_t stage_max = 0;  // `max = "20G"`: bytes of copies on scratch at once (0: no cap)
};

// A pipeline file (docs/pipelines.md): inputs, then stages in the order items pass them.
struct PipelineSpec {
  std::string origin;  // the file name, for messages
  std::vector<PipelineSource> sources;
  std::vector<PipelineStage> stages;
  int jobs = 0;  // slots for every stage together (0: the usable cores)
};

// Reads a pipeline from TOML `text` (`origin` names it in messages). False with *err, one line
// naming the file, the line and what to do, on any mistake: unknown keys (with the nearest
// known one), wrong types, values out of range, stages without a command, duplicate or unknown
// stage names, a reference to a later stage or to one without outputs.
bool LoadPipeline(std::string_view text, std::string_view origin, PipelineSpec* out,
                  std::string* err);

// The same from the C++ API's pipeline in code: read as the file it stands for would be
// (plan/pipeline_code.cc), with the same messages, less the line numbers.
bool LoadPipeline(const Pipeline& pipeline, std::string_view origin, PipelineSpec* out,
                  std::string* err);

// A stage's templates name earlier stages' outputs as {NAME.output} and {NAME.outputs}; the
// names found in `text`, in order (validated by LoadPipeline).
struct StageReferenceText {
  std::string stage;
  bool all = false;
};
std::vector<StageReferenceText> FindStageReferences(std::string_view text);

}  // namespace coreflow
