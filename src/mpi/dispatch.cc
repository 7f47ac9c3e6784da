#include "mpi/dispatch.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <thread>

namespace coreflow {

uint64_t AskSize::Next(uint64_t taken, double seconds) {
  if (seconds > 0) window_ += seconds;
  if (taken < window_taken_) window_taken_ = taken;  // a caller that counts anew
  if (window_ < kRefillFor) return want_;
  double rate = static_cast<double>(taken - window_taken_) / window_;
  rate_ = rate_ == 0 ? rate : 0.5 * rate_ + 0.5 * rate;
  window_taken_ = taken;
  window_ = 0;
  auto for_rate = static_cast<uint64_t>(std::ceil(rate_ * kRefillFor));
  want_ = std::min(std::max(slots_, for_rate), std::max(slots_, kMost));
  return want_;
}

void BackOff(int idle_polls) {
  int shift = std::min(idle_polls, 5);  // 50 us .. 1.6 ms
  std::this_thread::sleep_for(std::chrono::microseconds(std::min(50 << shift, 1000)));
}

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Dealer::Dealer(RankLink* link, TupleProducer produce, TupleQueue* local, int local_slots,
               IdleWait idle, RankOutput* output, Outbox* local_outbox)
    : link_(link),
      produce_(std::move(produce)),
      local_(local),
      local_size_(local_slots),
      idle_(std::move(idle)),
      output_(output),
      local_outbox_(local_outbox) {}

std::vector<Tuple> Dealer::Take(int rank, uint64_t want) {
  want = (want + unit_ - 1) / unit_ * unit_;
  std::vector<Tuple> out;
  while (out.size() < want && !inputs_over_) {
    Tuple t;
    std::string err;
    ReadStatus s = produce_(&t, &err);
    if (s == ReadStatus::kValue) {
      out.push_back(std::move(t));
    } else {
      inputs_over_ = true;
      if (s == ReadStatus::kError) error_ = err.empty() ? "the inputs could not be read" : err;
    }
  }
  dealt_ += out.size();
  if (output_ != nullptr) output_->Dealt(rank, out.size());
  return out;
}

void Dealer::Answer(int rank, uint64_t want) {
  std::vector<Tuple> batch = Take(rank, want);  // 1 to about AskSize::kMost, as Run clamps it
  if (!batch.empty()) {
    link_->Send(rank, kBatchTag, EncodeBatch(batch));
    return;
  }
  if (error_.empty()) {
    link_->Send(rank, kEndTag, "");
  } else {
    link_->Send(rank, kErrorTag, error_);
  }
  Finished(rank);
}

void Dealer::Finished(int rank) {
  if (finished_[static_cast<size_t>(rank)]) return;
  finished_[static_cast<size_t>(rank)] = true;
  --open_;
}

void Dealer::FillLocal(double now) {
  if (local_->size() >= local_size_.want()) return;
  uint64_t want = local_size_.Next(local_->taken(), now - last_local_);
  last_local_ = now;
  std::vector<Tuple> batch = Take(0, want);
  if (!batch.empty()) {
    local_->Push(std::move(batch));
  } else {
    if (error_.empty()) {
      local_->End();
    } else {
      local_->Fail(error_);
    }
    local_done_ = true;
  }
}

void Dealer::Received(const RankMessage& m) {
  bool known = m.from > 0 && m.from < link_->size();
  if (!known) return;
  auto from = static_cast<size_t>(m.from);
  uint64_t want = 0;
  const char* end = m.body.data() + m.body.size();
  if (m.tag == kAskTag && !finished_[from] &&
      std::from_chars(m.body.data(), end, want).ptr == end) {
    Answer(m.from, std::clamp<uint64_t>(want, 1, AskSize::kMost));
  } else if (m.tag == kByeTag) {
    Finished(m.from);
  } else if (m.tag == kOutputTag) {
    std::string_view body = m.body;
    uint64_t size = 0;
    OutputGroup group;
    while (GetLittleEndian(&body, 8, &size) && size <= body.size()) {
      if (output_ != nullptr && DecodeGroup(body.substr(0, size), &group)) {
        output_->Received(m.from, group);
      }
      body.remove_prefix(size);
    }
  } else if (m.tag == kDoneTag && !done_[from]) {
    done_[from] = true;
    --working_;
    Finished(m.from);  // a rank done takes nothing more
    if (output_ != nullptr) output_->RankDone(m.from);
  }
}

bool Dealer::DrainLocal() {
  bool any = false;
  std::string body;
  OutputGroup group;
  while (local_outbox_->Pop(&body)) {
    any = true;
    if (output_ != nullptr && DecodeGroup(body, &group)) output_->Received(0, group);
  }
  return any;
}

void Dealer::Run(const std::atomic<bool>* local_stop) {
  finished_.assign(static_cast<size_t>(link_->size()), false);
  finished_[0] = true;  // rank 0's engine takes from `local_`
  open_ = link_->size() - 1;
  done_.assign(static_cast<size_t>(link_->size()), false);
  working_ = link_->size() - 1;
  local_over_ = local_outbox_ == nullptr;
  last_local_ = MonotonicSeconds();
  int idle = 0;
  while (open_ > 0 || working_ > 0 || !local_done_ || !local_over_) {
    bool stopped = local_stop->load();  // before the drain: what the engine printed is in
    if (!local_done_ && stopped) local_done_ = true;
    uint64_t before = dealt_;
    if (!local_done_) FillLocal(MonotonicSeconds());
    bool busy = dealt_ != before;
    if (!local_over_) {
      busy = DrainLocal() || busy;
      if (stopped) {
        local_over_ = true;
        if (output_ != nullptr) output_->RankDone(0);
      }
    }
    RankMessage m;
    if (link_->TryReceive(&m)) {
      busy = true;
      Received(m);
    }
    idle = busy ? 0 : idle + 1;
    if (!busy) idle_(idle);
  }
}

Fetcher::Fetcher(RankLink* link, TupleQueue* queue, int slots, IdleWait idle, Outbox* outbox)
    : link_(link), queue_(queue), size_(slots), idle_(std::move(idle)), outbox_(outbox) {}

bool Fetcher::SendOutput() {
  if (outbox_ == nullptr) return false;
  // Many groups to one message (with -k every task sends one, printed or not), up to about
  // kMessageBytes each.
  constexpr size_t kMessageBytes = 1u << 20;
  bool any = false;
  std::string group, message;
  while (outbox_->Pop(&group)) {
    PutLittleEndian(group.size(), 8, &message);
    message += group;
    any = true;
    if (message.size() >= kMessageBytes) {
      link_->Send(0, kOutputTag, message);  // rank 0 gone: the job is ending anyway
      message.clear();
    }
  }
  if (!message.empty()) link_->Send(0, kOutputTag, message);
  return any;
}

bool Fetcher::Handle(const RankMessage& m) {
  std::vector<Tuple> batch;
  switch (m.tag) {
    case kBatchTag:
      if (DecodeBatch(m.body, &batch)) {
        queue_->Push(std::move(batch));
        return true;
      }
      queue_->Fail("rank 0 sent a malformed batch of inputs");
      return false;
    case kEndTag:
      queue_->End();
      return false;
    case kErrorTag:
      queue_->Fail(m.body);
      return false;
    default:
      return true;  // nothing else is meant for a fetcher
  }
}

void Fetcher::Run(const std::atomic<bool>* stop) {
  bool asked = false;
  bool ended = false;
  uint64_t want = size_.Next(0, 0);
  double last = MonotonicSeconds();
  int idle = 0;
  // Until the engine is done: inputs while they last, and what the tasks print.
  while (!stop->load()) {
    bool busy = SendOutput();
    if (!ended && !asked && queue_->size() < want) {
      double now = MonotonicSeconds();
      want = size_.Next(queue_->taken(), now - last);
      last = now;
      if (!link_->Send(0, kAskTag, std::to_string(want))) {
        queue_->Fail("rank 0 cannot be reached");
        if (outbox_ != nullptr) outbox_->Close();
        return;
      }
      asked = true;
    }
    RankMessage m;
    if (!ended && link_->TryReceive(&m)) {
      busy = true;
      asked = asked && m.from != 0;
      ended = !Handle(m);
    }
    idle = busy ? 0 : idle + 1;
    if (!busy) idle_(idle);
  }
  // Stopped early: take the answer on its way, then say goodbye unless it was the end.
  while (!ended && asked) {
    RankMessage m;
    if (link_->TryReceive(&m)) {
      asked = false;
      ended = m.tag == kEndTag || m.tag == kErrorTag;
    } else {
      idle_(++idle);
    }
  }
  if (!ended) link_->Send(0, kByeTag, "");
  SendOutput();  // what the engine printed last
  if (outbox_ != nullptr) outbox_->Close();
  link_->Send(0, kDoneTag, "");
}

}  // namespace coreflow
