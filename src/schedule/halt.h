#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coreflow {

// GNU parallel's --halt: when to stop (soon: start nothing new; now: also kill running tasks)
// and why (a number or a percentage of tasks failed, succeeded or finished).
struct HaltPolicy {
  enum class When { kNever, kSoon, kNow };
  enum class Why { kFail, kSuccess, kDone };
  When when = When::kNever;
  Why why = Why::kFail;
  int64_t count = 0;   // threshold as a number of tasks (when percent == 0)
  double percent = 0;  // threshold as a percentage of all tasks, 0 < percent <= 100
};

// Accepts "never", "soon,fail=3", "now,success=1", "soon,done=10%", and GNU's old forms
// 0, 1, 2, -1, -2 and "1-99%".
bool ParseHaltPolicy(std::string_view text, HaltPolicy* out, std::string* err);

}  // namespace coreflow
