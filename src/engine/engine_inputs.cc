// The engine's input side: inputs are read, checked against the journal and declared outputs
// one by one, and gathered into batches (-N, -m, -X) before the scheduler sees them.
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>

#include "base/plural.h"
#include "engine/engine.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"

namespace coreflow {

void Engine::SpreadBatches() {
  BatchOptions::Mode mode = config_.batch.mode;
  if (mode != BatchOptions::Mode::kMultiple && mode != BatchOptions::Mode::kContext) return;
  // As GNU parallel does: 7 inputs at -j2 make commands of 4 and 3, not one of 7.
  uint64_t n = 0;
  if (!inputs_.CountRemaining(&n)) return;
  if (config_.input_limit > 0) n = std::min<uint64_t>(n, config_.input_limit);
  if (!precount_known_) {
    precounted_ = n;
    precount_known_ = true;
  }
  auto slots = static_cast<uint64_t>(scheduler_.slots());
  sizer_->LimitInputs(static_cast<size_t>(std::max<uint64_t>(1, (n + slots - 1) / slots)));
}

void Engine::FeedInputs() {
  while (!input_blocked_ && !inputs_done_ && scheduler_.WantsTasks()) {
    std::string read_error;
    bool limited = config_.input_limit > 0 && items_read_ >= config_.input_limit;
    ReadStatus s = limited ? ReadStatus::kEnd : inputs_.Next(&tuple_, &read_error);
    switch (s) {
      case ReadStatus::kValue:
        ++items_read_;
        AddInput(std::move(tuple_));
        break;
      case ReadStatus::kWouldBlock:
        input_blocked_ = true;
        runner_->WatchInput(inputs_.fd());
        break;
      case ReadStatus::kError:
        // Bad input stops the run, but what is running finishes and is journalled.
        inputs_done_ = true;
        QueueBatch();
        Drain(read_error + "; no new tasks were started");
        Dispatch(ev::InputsEnded{});
        break;
      case ReadStatus::kEnd:
        inputs_done_ = true;
        QueueBatch();
        Dispatch(ev::InputsEnded{});
        break;
    }
  }
  // Streamed input is slow to come: a partial batch goes now rather than leave a slot idle.
  if (input_blocked_ && scheduler_.counts().running < scheduler_.slots() &&
      scheduler_.WantsTasks()) {
    QueueBatch();
  }
}

void Engine::AddInput(std::vector<std::string> values) {
  TaskState item;
  item.input.items.push_back(std::move(values));
  if (!Admit(item)) return;
  // An input that must not run goes alone: it fails without taking a batch with it.
  bool alone = !item.refused.empty();
  if (alone || !sizer_->Fits(item.input.items[0])) QueueBatch();
  TaskState& b = batch_;
  b.input.items.push_back(std::move(item.input.items[0]));
  if (!item.keys.empty()) b.keys.push_back(item.keys[0]);
  // What a cut attempt found at the outputs, per output; unknown for inputs without one.
  bool track = !item.cut_before.empty() || !b.cut_before.empty();
  if (track) b.cut_before.resize(b.outputs.size());
  if (track && item.cut_before.empty()) item.cut_before.resize(item.outputs.size());
  for (auto& state : item.cut_before) b.cut_before.push_back(state);
  for (std::string& path : item.outputs) b.outputs.push_back(std::move(path));
  b.cut_short = b.cut_short || item.cut_short;
  b.refused = std::move(item.refused);
  if (alone || sizer_->Add()) QueueBatch();
}

void Engine::QueueBatch() {
  if (batch_.input.items.empty()) return;
  uint64_t seq = ++next_seq_;
  TaskState& t = tasks_[seq];
  t = std::move(batch_);
  t.input.seq = seq;
  batch_ = TaskState{};
  sizer_->Reset();
  items_queued_ += t.input.items.size();
  Dispatch(ev::TaskQueued{seq, static_cast<int>(t.input.items.size())});
}

bool Engine::Admit(TaskState& item) {
  if (journal_ == nullptr && resume_ == nullptr && output_templates_.empty()) return true;
  Hash128 key = TaskKey(template_.text, item.input, key_version_);
  item.keys.push_back(key);
  const std::string* cut_outputs = nullptr;
  if (resume_ != nullptr) {
    switch (resume_->Decide(key, config_.rerun_failed)) {
      case ResumeIndex::Decision::kSkip:
        ++resumed_;
        Skip(std::move(item), /*record=*/false);
        return false;
      case ResumeIndex::Decision::kRunAfterCut:
        item.cut_short = true;
        cut_outputs = resume_->CutOutputs(key);
        break;
      case ResumeIndex::Decision::kRun:
        break;
    }
  }
  if (output_templates_.empty()) return true;
  // {#} in an output path: the number this input's task gets (skipped ones take one too).
  item.input.seq = next_seq_ + 1;
  ExpandOutputs(item);
  std::vector<FileIdentity> states;
  if (cut_outputs != nullptr && ParseOutputStates(*cut_outputs, &states) &&
      states.size() == item.outputs.size()) {
    item.cut_before.assign(states.begin(), states.end());
  } else if (item.cut_short) {
    item.cut_before.assign(item.outputs.size(), std::nullopt);
  }
  // Outputs left by an attempt that was cut short may be partial: that input runs again.
  if (config_.clobber || item.cut_short || !item.refused.empty()) return true;
  for (const std::string& path : item.outputs) {
    if (!output_index_.Exists(path)) return true;
  }
  Skip(std::move(item), /*record=*/true);
  return false;
}

void Engine::ExpandOutputs(TaskState& item) {
  for (size_t i = 0; i < output_templates_.size(); ++i) {
    std::string path = ExpandPath(output_templates_[i], item.input);
    if (item.refused.empty() && !StaysWithin(path, output_dirs_[i])) {
      item.refused = fmt::format(
          "coreflow: input '{}' was not run: its output '{}' (--outputs '{}') is outside '{}/'\n",
          item.input.items.empty() || item.input.items[0].empty() ? "" : item.input.items[0][0],
          path, config_.outputs[i], output_dirs_[i]);
    }
    item.outputs.push_back(std::move(path));
  }
}

void Engine::Skip(TaskState item, bool record) {
  uint64_t seq = ++next_seq_;
  TaskState& t = tasks_[seq];
  t = std::move(item);
  t.input.seq = seq;
  ++items_queued_;
  if (record) RecordSkip(seq, t);
  Dispatch(ev::TaskSkipped{seq});  // may release (and erase) the task: do not touch t
}

void Engine::RecordSkip(uint64_t seq, TaskState& t) {
  if (journal_ == nullptr) return;
  JournalRecord r;
  r.seq = seq;
  r.start_wall = RealtimeNow();
  r.command = ExpandCommandLine(template_, t.input, 0);
  r.key = t.keys.empty() ? Hash128{} : t.keys[0];
  r.attempt = 1;
  r.outcome = AttemptOutcome::kSkipped;
  if (int e = journal_->RecordAttempt(r, now_)) OnJournalError(e);
}

void Engine::SplitBatch(const TaskState& batch) {
  Say(
      fmt::format("coreflow: task {} failed; its {} run again one by one "
                  "(--split-failed-batches)\n",
                  batch.input.seq, Plural(batch.input.items.size(), "input")));
  for (size_t i = 0; i < batch.input.items.size(); ++i) {
    uint64_t seq = ++next_seq_;
    TaskState& t = tasks_[seq];  // references into tasks_ survive a rehash
    t.input.seq = seq;
    t.input.items.push_back(batch.input.items[i]);
    if (i < batch.keys.size()) t.keys.push_back(batch.keys[i]);
    ExpandOutputs(t);
    Dispatch(ev::TaskQueued{seq, 1, batch.input.seq});
  }
  Dispatch(ev::BatchSplit{batch.input.seq});
}

int Engine::DryRun(std::string* err) {
  SpreadBatches();
  std::string buffer;
  int slots = scheduler_.slots();
  TaskInput batch;
  uint64_t seq = 0;
  auto emit = [&] {
    if (batch.items.empty()) return;
    batch.seq = ++seq;
    buffer += ExpandCommandLine(template_, batch, static_cast<int>((seq - 1) % slots) + 1);
    buffer.push_back('\n');
    batch.items.clear();
    sizer_->Reset();
  };
  auto write = [&](std::string* why) {
    int e = WriteAll(config_.stdout_fd, buffer);
    buffer.clear();
    if (e == 0) return 0;
    if (e == EPIPE) return 128 + SIGPIPE;
    *why = fmt::format("cannot write to standard output: {}", ErrnoText(e));
    return 255;
  };
  for (;;) {
    ReadStatus s = inputs_.Next(&tuple_, err);
    if (s == ReadStatus::kWouldBlock) {
      WaitReadable(inputs_.fd());
      continue;
    }
    if (s == ReadStatus::kError) return 255;
    if (s == ReadStatus::kEnd) break;
    if (!sizer_->Fits(tuple_)) emit();
    batch.items.push_back(std::move(tuple_));
    if (sizer_->Add()) emit();
    dry_run_count_ += 1;
    if (buffer.size() >= 64 * 1024) {
      if (int status = write(err)) return status;
    }
  }
  emit();
  return write(err);
}

}  // namespace coreflow
