#include "plan/batch.h"

#include <cstdint>

#include "plan/expand.h"
#include "plan/task.h"

namespace coreflow {

BatchSizer::BatchSizer(const CommandTemplate* t, const BatchOptions& options)
    : template_(t), options_(options) {
  if (options_.max_inputs == 0) options_.max_inputs = 1;
  if (options_.mode != BatchOptions::Mode::kNone && options_.mode != BatchOptions::Mode::kCount &&
      options_.max_inputs == 1) {
    options_.max_inputs = SIZE_MAX;  // -m, -X: the line length decides
  }
  if (options_.mode == BatchOptions::Mode::kMultiple ||
      options_.mode == BatchOptions::Mode::kContext) {
    if (options_.max_line == 0) options_.max_line = kDefaultMaxLine;
    base_length_ = ExpandCommandLine(*template_, TaskInput{}, 1).size();
  }
}

size_t BatchSizer::Cost(const std::vector<std::string>& item) const {
  // What one more input adds to the command line: its quoted values wherever {} stands,
  // with -X the words around them too, and a separating blank.
  TaskInput one{0, {item}};
  size_t with = ExpandCommandLine(*template_, one, 1).size();
  return (with > base_length_ ? with - base_length_ : 0) + 1;
}

bool BatchSizer::Fits(const std::vector<std::string>& item) {
  if (options_.mode == BatchOptions::Mode::kNone) return count_ == 0;
  if (count_ >= options_.max_inputs) return false;
  if (options_.mode == BatchOptions::Mode::kCount) return true;
  next_cost_ = Cost(item);
  // A first input that alone is too long still gets a command (it fails with E2BIG).
  return count_ == 0 || base_length_ + length_ + next_cost_ <= options_.max_line;
}

bool BatchSizer::Add() {
  ++count_;
  length_ += next_cost_;
  next_cost_ = 0;
  return count_ >= options_.max_inputs;
}

void BatchSizer::Reset() {
  count_ = 0;
  length_ = 0;
}

}  // namespace coreflow
