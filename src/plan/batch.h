#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plan/replacement.h"
#include "plan/template.h"

namespace coreflow {

// How many inputs go into one command (GNU parallel's -N, -m, -X).
struct BatchOptions {
  enum class Mode {
    kNone,      // one input per command
    kCount,     // -N k: up to k inputs
    kMultiple,  // -m: as many as fit the command line, values side by side
    kContext,   // -X: as many as fit, each word around {} repeated per value
  };
  Mode mode = Mode::kNone;
  size_t max_inputs = 1;  // -N's k; for -m and -X a cap (SIZE_MAX: the line alone decides)
  size_t max_line = 0;    // -m, -X: the command line's budget in bytes, its final NUL included
};

// GNU parallel's default budget for one command line (its -s), well under Linux's ARG_MAX.
inline constexpr size_t kDefaultMaxLine = 128 * 1024;

// Parses the command template (ParseTemplate) as GNU parallel reads it for these batches:
// -m, -X and -N see a command's inputs as one list of values, {n} being its n-th value (any n
// for -m and -X, up to k x sources for -N k); -X and -N repeat a word holding {} once per value.
bool ParseBatchTemplate(std::string_view line, FieldScope scope, const BatchOptions& options,
                        CommandTemplate* out, std::string* err);
inline bool ParseBatchTemplate(std::string_view line, int num_sources, const BatchOptions& options,
                               CommandTemplate* out, std::string* err) {
  FieldScope scope;
  scope.num_sources = num_sources;
  return ParseBatchTemplate(line, scope, options, out, err);
}

// Decides where one batch ends and the next begins while inputs stream past: by count for -N,
// by the length the command line will have for -m and -X (length()).
class BatchSizer {
 public:
  // `t` comes from ParseBatchTemplate with the same options.
  BatchSizer(const CommandTemplate* t, const BatchOptions& options);

  bool batching() const { return options_.mode != BatchOptions::Mode::kNone; }
  // The command being formed gets the number `seq` ({#}) and a slot up to `slots` ({%}).
  void SetNumbers(uint64_t seq, int slots);
  // Whether `item` may join the batch being formed; false means: queue that batch first.
  bool Fits(const std::vector<std::string>& item);
  // Counts `item` in the batch being formed (after Fits, or after the Reset that a Fits of
  // false called for). True when the batch is now full.
  bool Add(const std::vector<std::string>& item);
  // The batch being formed was queued: start counting a new one.
  void Reset();
  // At most `n` inputs per command from now on (-N as an online tuner changes it).
  void LimitInputs(size_t n) { options_.max_inputs = n == 0 ? 1 : n; }
  // Inputs per command at most: 1 without batching; SIZE_MAX for -m and -X unless limited.
  size_t max_inputs() const { return options_.max_inputs; }
  // -m, -X: the length counted for the inputs so far: the command line's, as ExpandCommandLine
  // writes it, or GNU parallel's estimate of it where that is longer (GNU counts {n}, {#} and
  // {%} once per input), so that batches are GNU's and never longer than the limit.
  size_t length() const { return Length(current_); }
  // Inputs per command for the `n` inputs that were left when the input ended: -m and -X
  // divide them among the slots as GNU parallel does; -N keeps them in one command.
  size_t TailChunk(size_t n, int slots) const;

 private:
  // A {n} of -m or -X: the n-th value of the batch, once it has one.
  struct Position {
    size_t index;  // n - 1
    Transform transform;
    bool repeats;  // in a word that -X repeats per value
  };
  // A line of N >= 1 values is fixed + N * per_value - joins + what its values or inputs cost.
  struct Shape {
    size_t fixed = 0;
    size_t per_value = 0;
    size_t joins = 0;  // one blank fewer than values, per place that lists them
    size_t Length(size_t values, size_t costs) const {
      return fixed + values * per_value - joins + costs;
    }
  };
  // A batch: its values, and what they cost by either count.
  struct State {
    size_t values = 0;
    size_t exact = 0;  // the values where {} and its kind stand (ValueCost)
    size_t gnu = 0;    // GNU parallel's count: each input pays for every replacement string
    std::vector<size_t> positions;  // each Position's length; 0 until the batch reaches it
  };

  bool ByLine() const;
  void AddWord(const std::vector<Piece>& word, bool context);
  void Measure(const std::vector<std::string>& item);  // fills next_
  size_t ValueCost(const std::string& value) const;
  size_t Length(const State& s) const;

  BatchOptions options_;
  size_t count_ = 0;       // inputs in the batch being formed
  bool raw_ = false;       // no template: the values are the command line, unquoted
  bool measured_ = false;  // next_ holds the last item Fits() saw, against this batch
  Shape exact_;            // the line as ExpandCommandLine writes it
  Shape gnu_;              // GNU parallel's estimate of it, which we follow where it is longer
  std::vector<Transform> per_value_fields_;  // {} {.} ...: each value, quoted, per occurrence
  std::vector<Position> position_fields_;
  size_t seq_fixed_ = 0, seq_repeated_ = 0;    // {#} occurrences
  size_t slot_fixed_ = 0, slot_repeated_ = 0;  // {%} occurrences
  size_t seq_digits_ = 1, slot_digits_ = 1;
  State current_;  // the batch being formed
  State next_;     // the same with the item Fits() last saw
};

}  // namespace coreflow
