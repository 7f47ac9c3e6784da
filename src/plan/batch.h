#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plan/template.h"

namespace coreflow {

// How many inputs go into one command (GNU parallel's -N, -m, -X).
struct BatchOptions {
  enum class Mode {
    kNone,      // one input per command
    kCount,     // -N k: up to k inputs
    kMultiple,  // -m: as many as fit the command line, values side by side
    kContext,   // -X: as many as fit, each word around {} repeated per input
  };
  Mode mode = Mode::kNone;
  size_t max_inputs = 1;  // -N's k; for -m and -X a cap so that every slot gets work
  size_t max_line = 0;    // -m, -X: the command line's budget in bytes
};

// GNU parallel's default budget for one command line (its -s), well under Linux's ARG_MAX.
inline constexpr size_t kDefaultMaxLine = 128 * 1024;

// Decides where one batch ends and the next begins while inputs stream past: by count for -N,
// by the length the command line will have for -m and -X.
class BatchSizer {
 public:
  BatchSizer(const CommandTemplate* t, const BatchOptions& options);

  bool batching() const { return options_.mode != BatchOptions::Mode::kNone; }
  // Whether `item` may join the batch being formed; false means: queue that batch first.
  bool Fits(const std::vector<std::string>& item);
  // Counts `item` in the batch being formed (after Fits). True when the batch is now full.
  bool Add();
  // The batch being formed was queued: start counting a new one.
  void Reset();
  // At most `n` inputs per command from now on (-m, -X spread the inputs over the slots).
  void LimitInputs(size_t n) { options_.max_inputs = n == 0 ? 1 : n; }
  // Inputs per command at most: 1 without batching; SIZE_MAX for -m and -X unless limited.
  size_t max_inputs() const { return options_.max_inputs; }

 private:
  size_t Cost(const std::vector<std::string>& item) const;

  const CommandTemplate* template_;
  BatchOptions options_;
  size_t base_length_ = 0;  // the command line with no inputs
  size_t count_ = 0;
  size_t length_ = 0;
  size_t next_cost_ = 0;  // Cost() of the item Fits() last saw
};

}  // namespace coreflow
