// The engine's input side: inputs are read, checked against the journal and declared outputs
// one by one, and gathered into batches (-N, -m, -X) before the scheduler sees them.
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <iterator>

#include "base/plural.h"
#include "engine/engine.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"

namespace coreflow {

void Engine::FeedInputs() {
  while (!input_blocked_ && !inputs_done_ && scheduler_.WantsTasks()) {
    std::string read_error;
    bool limited = config_.input_limit > 0 && items_read_ >= config_.input_limit;
    ReadStatus s = limited ? ReadStatus::kEnd : inputs_.Next(&tuple_, &read_error);
    switch (s) {
      case ReadStatus::kValue:
        ++items_read_;
        if (pipelined()) {
          AddItem(std::move(tuple_));
        } else {
          AddInput(std::move(tuple_));
        }
        break;
      case ReadStatus::kWouldBlock:
        // The batch being formed waits, as GNU parallel's does: batch sizes depend on the
        // inputs alone, never on when a pipe delivers them.
        input_blocked_ = true;
        runner_->WatchInput(inputs_.fd());
        break;
      case ReadStatus::kError:
        // Bad input stops the run, but what is running finishes and is journalled.
        inputs_done_ = true;
        QueueBatch();
        Drain(read_error + "; no new tasks were started");
        Dispatch(ev::InputsEnded{});
        SettleGroupsAtEnd();
        break;
      case ReadStatus::kEnd:
        inputs_done_ = true;
        QueueLastBatch();
        Dispatch(ev::InputsEnded{});
        SettleGroupsAtEnd();
        break;
    }
  }
}

void Engine::AddInput(std::vector<std::string> values) {
  TaskState item;
  item.input.items.push_back(std::move(values));
  if (!Admit(item)) return;
  // An input that must not run goes alone: it fails without taking a batch with it.
  bool alone = !item.refused.empty();
  sizer_->SetNumbers(next_seq_ + 1, scheduler_.slots());  // skipped inputs took numbers
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
  if (alone || sizer_->Add(b.input.items.back())) QueueBatch();
}

void Engine::QueueBatch() {
  if (batch_.input.items.empty()) return;
  uint64_t seq = ++next_seq_;
  TaskState& t = tasks_[seq];
  t = std::move(batch_);
  t.queued = now_;
  t.input.seq = seq;
  NoteRagged(&t.input);
  batch_ = TaskState{};
  sizer_->Reset();
  sizer_->SetNumbers(next_seq_ + 1, scheduler_.slots());  // what the next batch gets
  items_queued_ += t.input.items.size();
  Dispatch(ev::TaskQueued{TaskId(seq), static_cast<int>(t.input.items.size())});
}

void Engine::QueueLastBatch() {
  size_t n = batch_.input.items.size();
  size_t chunk = sizer_->TailChunk(n, scheduler_.slots());
  if (chunk >= n) {
    QueueBatch();
    return;
  }
  // As GNU parallel: -m, -X divide the inputs left at the end among the slots.
  TaskState whole = std::move(batch_);
  for (size_t first = 0; first < n; first += chunk) {
    batch_ = TakeInputs(whole, first, std::min(n, first + chunk));
    QueueBatch();
  }
}

Engine::TaskState Engine::TakeInputs(TaskState& batch, size_t first, size_t last) const {
  TaskState part;
  size_t per_input = outputs_.per_input();  // outputs (and cut_before) are per input
  auto take = [&](auto& from, auto& to, size_t width) {
    if (from.empty()) return;
    for (size_t i = first * width; i < last * width; ++i) to.push_back(std::move(from[i]));
  };
  take(batch.input.items, part.input.items, 1);
  take(batch.keys, part.keys, 1);
  take(batch.outputs, part.outputs, per_input);
  take(batch.cut_before, part.cut_before, per_input);
  part.cut_short = batch.cut_short;  // not known per input: every part removes what a cut left
  return part;
}

bool Engine::Admit(TaskState& item) {
  if (journal_ == nullptr && resume_ == nullptr && outputs_.empty()) return true;
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
  if (outputs_.empty()) return true;
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
  if (item.cut_short || !item.refused.empty() || !outputs_.UpToDate(item.outputs)) return true;
  Skip(std::move(item), /*record=*/true);
  return false;
}

void Engine::Skip(TaskState item, bool record) {
  uint64_t seq = ++next_seq_;
  TaskState& t = tasks_[seq];
  t = std::move(item);
  t.input.seq = seq;
  ++items_queued_;
  if (record) RecordSkip(t);
  Dispatch(ev::TaskSkipped{TaskId(seq)});  // may release (and erase) the task: do not touch t
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
    t.queued = now_;
    t.input.items.push_back(batch.input.items[i]);
    if (i < batch.keys.size()) t.keys.push_back(batch.keys[i]);
    ExpandOutputs(t);
    Dispatch(ev::TaskQueued{TaskId(seq), 1, TaskId(batch.input.seq)});
  }
  Dispatch(ev::BatchSplit{TaskId(batch.input.seq)});
}

int Engine::DryRun(std::string* err) {
  std::string buffer;
  int slots = scheduler_.slots();
  TaskInput batch;
  uint64_t seq = 0;
  sizer_->SetNumbers(1, slots);
  auto emit = [&](TaskInput& in) {
    if (in.items.empty()) return;
    in.seq = ++seq;
    in.params = config_.params;
    NoteRagged(&in);
    buffer += ExpandCommandLine(template_, in, static_cast<int>((seq - 1) % slots) + 1);
    buffer.push_back('\n');
    in.items.clear();
    sizer_->Reset();
    sizer_->SetNumbers(seq + 1, slots);
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
    if (!sizer_->Fits(tuple_)) emit(batch);
    batch.items.push_back(std::move(tuple_));
    if (sizer_->Add(batch.items.back())) emit(batch);
    dry_run_count_ += 1;
    if (buffer.size() >= 64 * 1024) {
      if (int status = write(err)) return status;
    }
  }
  // The inputs left at the end, spread over the slots as a run does (QueueLastBatch).
  size_t n = batch.items.size();
  size_t chunk = sizer_->TailChunk(n, slots);
  for (size_t first = 0; first < n; first += chunk) {
    TaskInput part;
    auto begin = batch.items.begin() + static_cast<std::ptrdiff_t>(first);
    auto end = batch.items.begin() + static_cast<std::ptrdiff_t>(std::min(n, first + chunk));
    part.items.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
    emit(part);
  }
  return write(err);
}

}  // namespace coreflow
