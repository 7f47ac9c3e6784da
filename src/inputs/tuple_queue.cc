#include "inputs/tuple_queue.h"

#include <utility>

namespace coreflow {

void TupleQueue::Push(std::vector<std::vector<std::string>> tuples) {
  if (tuples.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : tuples) tuples_.push_back(std::move(t));
  }
  wakeup_.Signal();
}

void TupleQueue::End() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
  }
  wakeup_.Signal();
}

void TupleQueue::Fail(std::string error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    error_ = std::move(error);
  }
  wakeup_.Signal();
}

size_t TupleQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tuples_.size();
}

uint64_t TupleQueue::taken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return taken_;
}

ReadStatus TupleQueue::Next(std::vector<std::string>* tuple, std::string* err) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!tuples_.empty()) {
    *tuple = std::move(tuples_.front());
    tuples_.pop_front();
    ++taken_;
    return ReadStatus::kValue;
  }
  if (ended_ && !error_.empty()) {
    *err = error_;
    return ReadStatus::kError;
  }
  if (ended_) return ReadStatus::kEnd;
  // Cleared under the lock: a Push after this signals again, so no wake-up is lost.
  wakeup_.Clear();
  return ReadStatus::kWouldBlock;
}

}  // namespace coreflow
