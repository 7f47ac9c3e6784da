// coreflow::Pipeline (the C++ API's pipeline in code) as the table its file would hold.
#include <toml++/toml.h>

#include <string>

#include "coreflow/run_options.h"
#include "plan/pipeline.h"
#include "plan/pipeline_table.h"

namespace coreflow {
namespace {

void PutString(toml::table* t, std::string_view key, const std::string& value) {
  if (!value.empty()) t->insert(key, value);
}

void PutInt(toml::table* t, std::string_view key, int value) {
  if (value != 0) t->insert(key, int64_t{value});
}

void PutStrings(toml::table* t, std::string_view key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  toml::array a;
  for (const std::string& v : values) a.push_back(v);
  t->insert(key, std::move(a));
}

toml::table InputTable(const Pipeline::Input& in) {
  toml::table t;
  PutStrings(&t, "values", in.values);
  PutString(&t, "file", in.file);
  PutString(&t, "glob", in.glob);
  if (in.link) t.insert("link", true);
  return t;
}

toml::table StageTable(const Pipeline::Stage& s) {
  toml::table t;
  PutString(&t, "name", s.name);
  PutString(&t, "command", s.command);
  PutString(&t, "worker", s.worker);
  PutInt(&t, "threads", s.threads);
  PutString(&t, "mem", s.mem);
  if (s.gpus != 0) t.insert("gpus", s.gpus);
  PutString(&t, "timeout", s.timeout);
  PutInt(&t, "retries", s.retries);
  PutInt(&t, "slots", s.slots);
  PutStrings(&t, "outputs", s.outputs);
  PutString(&t, "gather", s.gather);
  PutInt(&t, "group_size", s.group_size);
  if (!s.stage_to.empty() || s.prefetch != 0 || !s.stage_max.empty()) {
    toml::table staging;
    PutString(&staging, "to", s.stage_to);
    PutInt(&staging, "prefetch", s.prefetch);
    PutString(&staging, "max", s.stage_max);
    t.insert("stage", std::move(staging));
  }
  return t;
}

}  // namespace

bool LoadPipeline(const Pipeline& pipeline, std::string_view origin, PipelineSpec* out,
                  std::string* err) {
  toml::table root;
  if (!pipeline.inputs.empty()) {
    toml::array inputs;
    for (const Pipeline::Input& in : pipeline.inputs) inputs.push_back(InputTable(in));
    root.insert("input", std::move(inputs));
  }
  toml::array stages;
  for (const Pipeline::Stage& s : pipeline.stages) stages.push_back(StageTable(s));
  if (!stages.empty()) root.insert("stage", std::move(stages));
  return ReadPipelineTable(root, origin, out, err);
}

}  // namespace coreflow
