// The engine's pipeline side (docs/pipelines.md): each item passes the stages in order, one
// task per stage, and enters stage k+1 as soon as its task of stage k has succeeded; a gather
// stage runs once per group of items. The scheduler keeps one queue per stage.
#include <fmt/format.h>

#include <algorithm>

#include "base/plural.h"
#include "engine/engine.h"
#include "plan/expand.h"
#include "sys/fd.h"

namespace coreflow {

bool Engine::PrepareStages(const FieldScope& input_scope, std::string* err) {
  const std::vector<StageConfig>& stages = config_.pipeline;
  if (stages.size() < 2) return true;
  std::vector<std::string> names;
  for (const StageConfig& s : stages) names.push_back(s.name);
  item_stages_ = stages.back().gather.empty() ? stages.size() : stages.size() - 1;
  for (size_t k = 1; k < stages.size(); ++k) {
    const StageConfig& s = stages[k];
    std::vector<std::string> before(names.begin(), names.begin() + static_cast<long>(k));
    FieldScope scope = input_scope;
    scope.stages = &before;
    scope.gather = !s.gather.empty();
    StagePlan plan;
    plan.id = StageId(static_cast<int>(k));
    plan.name = s.name;
    plan.threads = s.threads;
    plan.mem = s.mem;
    auto fail = [&](const char* what) {
      *err = fmt::format("stage '{}': {}: {}", s.name, what, *err);
      return false;
    };
    if (!ParseTemplate(s.command_text, scope, &plan.command, err)) return fail("command");
    if (!CheckGpuField(plan.command, plan.id, err)) return false;
    plan.worker = !s.worker.empty();
    if (plan.worker && plan.command.use_shell && plan.command.blank_words.empty()) {
      SplitTemplateWords(&plan.command);  // a worker's arguments are words, never a shell line
    }
    plan.key_text = fmt::format("stage\x1f{}\x1f{}", s.name, plan.command.text);
    plan.outputs = std::make_unique<DeclaredOutputs>(
        &disk_, OutputOptions{config_.clobber || s.scratch, config_.keep_failed_outputs});
    if (!plan.outputs->Parse(s.outputs, scope, /*batched=*/false, err)) return fail("outputs");
    Environment env = config_.environment;
    ApplyThreadVariables(s.threads, /*explicit_threads=*/true, &env);
    plan.env = std::make_unique<TaskEnvironment>(env, !config_.gpu_ids.empty());
    later_.push_back(std::move(plan));
    if (!s.gather.empty()) {
      if (!ParsePathTemplate(s.gather, input_scope, &gather_, err)) return fail("gather");
      groups_ = std::make_unique<GatherGroups>(static_cast<size_t>(std::max(s.group_size, 0)));
    }
  }
  return true;
}

std::string Engine::journal_text() const {
  if (!pipelined()) return template_.text;
  std::string text = fmt::format("pipeline: {}: {}", config_.pipeline[0].name, template_.text);
  for (const StagePlan& s : later_) text += fmt::format(" | {}: {}", s.name, s.command.text);
  return text;
}

const CommandTemplate& Engine::TemplateOf(StageId stage) const {
  return stage.value() == 0 ? template_ : later_[static_cast<size_t>(stage.value()) - 1].command;
}

DeclaredOutputs& Engine::OutputsOf(StageId stage) {
  return stage.value() == 0 ? outputs_ : *later_[static_cast<size_t>(stage.value()) - 1].outputs;
}

TaskEnvironment& Engine::EnvOf(StageId stage) {
  return stage.value() == 0 ? *task_env_ : *later_[static_cast<size_t>(stage.value()) - 1].env;
}

bool Engine::WorkerOf(StageId stage) const {
  return stage.value() == 0 ? config_.worker
                            : later_[static_cast<size_t>(stage.value()) - 1].worker;
}

int Engine::ThreadsOf(StageId stage) const {
  return stage.value() == 0 ? config_.threads_per_task
                            : later_[static_cast<size_t>(stage.value()) - 1].threads;
}

uint64_t Engine::MemOf(StageId stage) const {
  uint64_t own = stage.value() == 0 ? (config_.pipeline.empty() ? 0 : config_.pipeline[0].mem)
                                    : later_[static_cast<size_t>(stage.value()) - 1].mem;
  return own > 0 ? own : config_.mem_per_task;
}

Hash128 Engine::KeyOf(StageId stage, const TaskInput& input) const {
  // The first stage's keys are a plain run's: a one-stage pipeline is that run.
  if (stage.value() == 0) return TaskKey(template_.text, input, key_version_);
  return TaskKey(later_[static_cast<size_t>(stage.value()) - 1].key_text, input, key_version_);
}

void Engine::AddItem(std::vector<std::string> values) {
  TaskState item;
  item.input.seq = ++next_seq_;
  item.input.items.push_back(std::move(values));
  // Every stage's outputs for this item, up front: later stages' templates name them.
  std::vector<std::string> refused(item_stages_);
  for (size_t k = 0; k < item_stages_; ++k) {
    std::vector<std::string> paths;
    OutputsOf(StageId(static_cast<int>(k))).Expand(item.input, &paths, &refused[k]);
    item.input.stage_outputs.push_back(std::move(paths));
  }
  if (groups_ != nullptr) {
    item.input.group = ExpandPath(gather_, item.input);
    groups_->Expect(item.input.group);
  }
  ++items_queued_;
  size_t recopy = RecopyFrom(item.input);
  for (size_t k = 0; k < item_stages_; ++k) {
    StageId stage(static_cast<int>(k));
    item.refused = refused[k];
    bool failed = false;
    bool done = k != recopy && (DoneBefore(item, stage, &failed) || CopyNotNeeded(item, k));
    if (!done) {
      Enter(item, stage, /*moved=*/false);
      return;
    }
    if (failed) {  // --resume: it failed there before, and goes no further
      ++items_skipped_;
      if (groups_ != nullptr) PassOn(item, /*ok=*/false, false);
      return;
    }
  }
  ++items_skipped_;
  if (groups_ != nullptr) Park(item, /*moved=*/false);
}

bool Engine::CopyNotNeeded(const TaskState& item, size_t k) {
  const TaskInput& input = item.input;
  if (k >= config_.pipeline.size() || !config_.pipeline[k].scratch) return false;
  for (size_t j = k + 1; j < item_stages_; ++j) {
    StageId stage(static_cast<int>(j));
    ResumeIndex::Decision d = ResumeIndex::Decision::kRun;
    if (resume_ != nullptr) d = resume_->Decide(KeyOf(stage, input), config_.rerun_failed);
    if (d == ResumeIndex::Decision::kSkip) continue;
    const std::vector<std::string>& outputs = input.stage_outputs[j];
    bool up_to_date =
        d == ResumeIndex::Decision::kRun && !outputs.empty() && OutputsOf(stage).UpToDate(outputs);
    if (!up_to_date) return false;
  }
  SkipStage(item, StageId(static_cast<int>(k)), /*record=*/true);  // DoneBefore set its key
  return true;
}

size_t Engine::RecopyFrom(const TaskInput& input) {
  if (resume_ == nullptr || config_.pipeline.size() < item_stages_) return item_stages_;
  for (size_t j = 0; j < item_stages_; ++j) {
    if (!config_.pipeline[j].scratch) continue;
    bool whole = true;
    for (const std::string& path : input.stage_outputs[j]) whole = whole && disk_.Stat(path).exists;
    if (whole) continue;
    // A resume on another node (or after scratch was wiped) finds the journal's copies gone:
    // they are made again if a later stage still needs them.
    for (size_t k = j + 1; k < item_stages_; ++k) {
      Hash128 key = KeyOf(StageId(static_cast<int>(k)), input);
      if (resume_->Decide(key, config_.rerun_failed) != ResumeIndex::Decision::kSkip) return j;
    }
  }
  return item_stages_;
}

bool Engine::DoneBefore(TaskState& item, StageId stage, bool* failed) {
  item.stage = stage;
  item.keys = {KeyOf(stage, item.input)};
  item.cut_short = false;
  item.cut_before.clear();
  const std::string* cut_outputs = nullptr;
  if (resume_ != nullptr) {
    // Whether it succeeded decides if the item goes on; whether it finished, if it runs.
    bool succeeded = resume_->Decide(item.keys[0], true) == ResumeIndex::Decision::kSkip;
    ResumeIndex::Decision d = resume_->Decide(item.keys[0], config_.rerun_failed);
    if (d == ResumeIndex::Decision::kSkip) {
      *failed = !succeeded;
      ++resumed_;
      SkipStage(item, stage, /*record=*/false);
      return true;
    }
    if (d == ResumeIndex::Decision::kRunAfterCut) {
      item.cut_short = true;
      cut_outputs = resume_->CutOutputs(item.keys[0]);
    }
  }
  const std::vector<std::string>& outputs =
      item.input.stage_outputs[static_cast<size_t>(stage.value())];
  if (outputs.empty()) return false;
  std::vector<FileIdentity> states;
  if (cut_outputs != nullptr && ParseOutputStates(*cut_outputs, &states) &&
      states.size() == outputs.size()) {
    item.cut_before.assign(states.begin(), states.end());
  } else if (item.cut_short) {
    item.cut_before.assign(outputs.size(), std::nullopt);
  }
  if (item.cut_short || !item.refused.empty() || !OutputsOf(stage).UpToDate(outputs)) {
    return false;
  }
  SkipStage(item, stage, /*record=*/true);
  return true;
}

void Engine::SkipStage(const TaskState& item, StageId stage, bool record) {
  TaskId id = stage.value() == 0 ? TaskId(item.input.seq) : NewStageTask();
  TaskState& t = tasks_[id.value()];
  t.input = item.input;
  t.stage = stage;
  t.keys = item.keys;
  if (record) RecordSkip(t);
  Dispatch(ev::TaskSkipped{id});  // may release (and erase) the task: do not touch t
}

void Engine::Enter(const TaskState& item, StageId stage, bool moved) {
  TaskId id = stage.value() == 0 ? TaskId(item.input.seq) : NewStageTask();
  TaskState& t = tasks_[id.value()];
  t.input = item.input;
  t.stage = stage;
  t.queued = now_;
  t.keys = item.keys.empty() || item.stage != stage ? std::vector<Hash128>{KeyOf(stage, t.input)}
                                                    : item.keys;
  t.outputs = t.input.stage_outputs[static_cast<size_t>(stage.value())];
  if (item.stage == stage) {  // what DoneBefore found of a cut attempt
    t.cut_short = item.cut_short;
    t.cut_before = item.cut_before;
    t.refused = item.refused;
  } else {
    std::string refused;
    std::vector<std::string> paths;
    OutputsOf(stage).Expand(t.input, &paths, &refused);
    t.refused = std::move(refused);
  }
  uint64_t scratch = ScratchAsk(t);
  Dispatch(ev::TaskQueued{id, 1, TaskId(), stage, moved, 0, scratch});
}

void Engine::PassOn(const TaskState& t, bool ok, bool moved) {
  auto next = static_cast<size_t>(t.stage.value()) + 1;
  if (static_cast<size_t>(t.stage.value()) >= item_stages_) return;  // a gather task
  if (!ok || next >= item_stages_) RemoveStaged(t);  // the item leaves: its copies go
  if (!ok) {
    if (groups_ == nullptr) return;
    std::vector<SettledGroup> settled;
    groups_->Fail(t.input.group, t.input.seq, &settled);
    QueueGroups(std::move(settled));
    return;
  }
  if (next < item_stages_) {
    Enter(t, StageId(static_cast<int>(next)), moved);
  } else if (groups_ != nullptr) {
    Park(t, moved);
  }
}

uint64_t Engine::ScratchAsk(TaskState& t) {
  uint64_t cap = config_.schedule.scratch_cap;
  auto k = static_cast<size_t>(t.stage.value());
  if (cap == 0 || k >= config_.pipeline.size() || !config_.pipeline[k].scratch ||
      !t.refused.empty() || t.input.items.empty() || t.input.items[0].empty()) {
    return 0;
  }
  // One stat per item, only with a cap: what its copy will take on scratch.
  FileIdentity source = disk_.Stat(t.input.items[0][0]);
  uint64_t bytes = source.exists ? static_cast<uint64_t>(source.size) : 0;
  if (bytes > cap) {
    t.refused = fmt::format(
        "coreflow: '{}' is {:.1f} MiB, more than the {:.1f} MiB that may be staged at once "
        "(--stage-max); it was not copied\n",
        t.input.items[0][0], static_cast<double>(bytes) / (1 << 20),
        static_cast<double>(cap) / (1 << 20));
    return 0;
  }
  return bytes;
}

void Engine::RemoveStaged(const TaskState& t) {
  for (size_t k = 0; k < item_stages_ && k < t.input.stage_outputs.size(); ++k) {
    if (!config_.pipeline[k].scratch) continue;
    for (const std::string& path : t.input.stage_outputs[k]) {
      if (int e = disk_.Remove(path); e != 0 && !staged_removal_failed_) {
        staged_removal_failed_ = true;  // once: scratch that cannot be cleaned says so
        Say(fmt::format("coreflow: warning: cannot remove staged copy '{}': {}\n", path,
                        ErrnoText(e)));
      }
    }
  }
  // Its staging task is the item's first (staging stages come first): its bytes are free.
  if (config_.schedule.scratch_cap > 0) Dispatch(ev::ScratchFreed{TaskId(t.input.seq)});
}

void Engine::Park(const TaskState& t, bool moved) {
  Dispatch(ev::ItemParked{moved});
  GroupMember m;
  m.seq = t.input.seq;
  m.values = t.input.items.at(0);
  m.stage_outputs = t.input.stage_outputs;
  std::vector<SettledGroup> settled;
  groups_->Arrive(t.input.group, std::move(m), &settled);
  QueueGroups(std::move(settled));
}

void Engine::SettleGroupsAtEnd() {
  if (groups_ == nullptr) return;
  std::vector<SettledGroup> settled;
  groups_->InputsEnded(&settled);
  QueueGroups(std::move(settled));
}

void Engine::QueueGroups(std::vector<SettledGroup> groups) {
  for (SettledGroup& g : groups) QueueGroup(g);
}

void Engine::QueueGroup(SettledGroup& g) {
  StageId stage(static_cast<int>(item_stages_));
  const std::string& name = later_.back().name;
  int parked = static_cast<int>(g.members.size());
  if (!g.failed.empty()) {  // its items' failures were counted; the group is incomplete
    Say(fmt::format("coreflow: stage '{}': group '{}' was not run: {} of its {} failed ({})\n",
                    name, g.value, g.failed.size(),
                    Plural(g.failed.size() + g.members.size(), "item"), fmt::join(g.failed, ", ")));
    Dispatch(ev::ParkedDropped{parked});
    return;
  }
  TaskState item;
  item.stage = stage;
  item.input.seq = g.number;
  item.input.group = g.value;
  item.input.stage_outputs.resize(item_stages_);
  for (GroupMember& m : g.members) {
    item.input.items.push_back(std::move(m.values));
    for (size_t k = 0; k < item_stages_ && k < m.stage_outputs.size(); ++k) {
      auto& all = item.input.stage_outputs[k];
      all.insert(all.end(), m.stage_outputs[k].begin(), m.stage_outputs[k].end());
    }
  }
  NoteRagged(&item.input);
  if (g.members.size() < g.expected) {  // the inputs ended short of group_size
    item.refused = fmt::format(
        "coreflow: stage '{}': group '{}' was not run: it has {} of the {} it needs "
        "(group_size)\n",
        name, g.value, g.members.size(), Plural(g.expected, "item"));
  }
  std::vector<std::string> paths;
  std::string refused;
  OutputsOf(stage).Expand(item.input, &paths, &refused);
  item.input.stage_outputs.push_back(paths);
  if (item.refused.empty()) item.refused = refused;
  bool failed = false;
  if (item.refused.empty() && DoneBefore(item, stage, &failed)) {
    Dispatch(ev::ParkedDropped{parked});
    return;
  }
  TaskId id = NewStageTask();
  TaskState& t = tasks_[id.value()];
  t = std::move(item);
  t.queued = now_;
  t.outputs = std::move(paths);
  if (t.keys.empty()) t.keys = {KeyOf(stage, t.input)};
  Dispatch(ev::TaskQueued{id, 1, TaskId(), stage, false, parked});
}

}  // namespace coreflow
