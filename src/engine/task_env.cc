#include "engine/task_env.h"

#include <fmt/format.h>

namespace coreflow {

TaskEnvironment::TaskEnvironment(const Environment& base) {
  Environment env = base;
  env.Unset("PARALLEL_SEQ");
  env.Unset("PARALLEL_JOBSLOT");
  entries_ = env.Entries();
  for (std::string& e : entries_) pointers_.push_back(e.data());
  pointers_.push_back(nullptr);  // PARALLEL_SEQ
  pointers_.push_back(nullptr);  // PARALLEL_JOBSLOT
  pointers_.push_back(nullptr);  // terminator
  SetTask(0, 0);
}

void TaskEnvironment::SetTask(uint64_t seq, int slot) {
  seq_ = fmt::format("PARALLEL_SEQ={}", seq);
  slot_ = fmt::format("PARALLEL_JOBSLOT={}", slot);
  size_t n = entries_.size();
  pointers_[n] = seq_.data();
  pointers_[n + 1] = slot_.data();
}

}  // namespace coreflow
