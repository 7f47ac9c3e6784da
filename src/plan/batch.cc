#include "plan/batch.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "plan/quote.h"

namespace coreflow {
namespace {

size_t QuotedLength(Transform t, const std::string& value) {
  std::string quoted;
  AppendShellQuoted(ApplyTransform(t, value), &quoted);
  return quoted.size();
}

size_t Digits(uint64_t n) {
  size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

bool HasPerValueField(const std::vector<Piece>& word) {
  return std::any_of(word.begin(), word.end(), [](const Piece& p) {
    return p.is_field && p.field.kind == Field::Kind::kInput && p.field.source == 0;
  });
}

}  // namespace

bool ParseBatchTemplate(std::string_view line, FieldScope scope, const BatchOptions& options,
                        CommandTemplate* out, std::string* err) {
  using Mode = BatchOptions::Mode;
  bool by_line = options.mode == Mode::kMultiple || options.mode == Mode::kContext;
  bool flat = by_line || options.mode == Mode::kCount;
  // -N k: the values of k inputs, one per source each.
  size_t count =
      std::min<size_t>(options.max_inputs * static_cast<size_t>(scope.num_sources), kAnyPosition);
  if (flat) scope.num_sources = by_line ? kAnyPosition : static_cast<int>(count);
  if (!ParseTemplate(line, scope, out, err)) return false;
  out->flat_inputs = flat;
  // GNU parallel repeats a word around {} once per value with -N as with -X; -m does not.
  if (options.mode == Mode::kContext || options.mode == Mode::kCount) UseContextReplace(out);
  return true;
}

BatchSizer::BatchSizer(const CommandTemplate* t, const BatchOptions& options) : options_(options) {
  if (options_.max_inputs == 0) options_.max_inputs = 1;
  if (!ByLine()) return;
  if (options_.max_inputs == 1) options_.max_inputs = SIZE_MAX;  // the line length decides
  if (options_.max_line == 0) options_.max_line = kDefaultMaxLine;
  if (t->inputs_are_commands) {  // the values joined by blanks
    raw_ = true;
    exact_.per_value = exact_.joins = 1;
    return;
  }
  if (!t->context_replace) {
    AddWord(t->pieces, /*context=*/false);
  } else {
    for (const auto& word : t->blank_words) AddWord(word, /*context=*/true);
    size_t blanks = t->blank_words.empty() ? 0 : t->blank_words.size() - 1;
    exact_.fixed += blanks;
    gnu_.fixed += blanks;
  }
  current_.positions.assign(position_fields_.size(), 0);
}

bool BatchSizer::ByLine() const {
  return options_.mode == BatchOptions::Mode::kMultiple ||
         options_.mode == BatchOptions::Mode::kContext;
}

// Counts one word of -X (`context`), or -m's whole line: what it adds once, and per value.
void BatchSizer::AddWord(const std::vector<Piece>& word, bool context) {
  bool repeats = context && HasPerValueField(word);  // -X writes it once per value
  // GNU parallel counts every -X word holding a replacement string once per value, and
  // every -m replacement string with a blank per value.
  bool gnu_repeats =
      context && std::any_of(word.begin(), word.end(), [](const Piece& p) { return p.is_field; });
  for (const Piece& p : word) {
    if (!p.is_field) {
      (repeats ? exact_.per_value : exact_.fixed) += p.text.size();
      (gnu_repeats ? gnu_.per_value : gnu_.fixed) += p.text.size();
      continue;
    }
    if (!context) {
      ++gnu_.per_value;
      ++gnu_.joins;
    }
    switch (p.field.kind) {
      case Field::Kind::kSeq:
        ++(repeats ? seq_repeated_ : seq_fixed_);
        break;
      case Field::Kind::kSlot:
        ++(repeats ? slot_repeated_ : slot_fixed_);
        break;
      case Field::Kind::kStageOutput:  // pipelines do not batch: nothing to size
      case Field::Kind::kGroup:
      case Field::Kind::kGpu:  // a few ids, known at the start: left to the line's margin
      case Field::Kind::kParam:
        break;
      case Field::Kind::kInput:
        if (p.field.source > 0) {
          position_fields_.push_back(
              {static_cast<size_t>(p.field.source - 1), p.field.transform, repeats});
          break;
        }
        per_value_fields_.push_back(p.field.transform);
        if (!context) {  // -m: a blank between values
          ++exact_.per_value;
          ++exact_.joins;
        }
        break;
    }
  }
  if (repeats) {  // a blank between copies of the word
    ++exact_.per_value;
    ++exact_.joins;
  }
  if (gnu_repeats) {
    ++gnu_.per_value;
    ++gnu_.joins;
  }
}

void BatchSizer::SetNumbers(uint64_t seq, int slots) {
  seq_digits_ = Digits(seq);
  slot_digits_ = Digits(static_cast<uint64_t>(std::max(slots, 1)));
}

size_t BatchSizer::ValueCost(const std::string& value) const {
  if (raw_) return value.size();
  size_t cost = 0;
  for (Transform t : per_value_fields_) cost += QuotedLength(t, value);
  return cost;
}

void BatchSizer::Measure(const std::vector<std::string>& item) {
  next_ = current_;
  next_.values += item.size();
  // GNU parallel: an input pays for {n} with its own n-th value, and for {#} and {%}.
  next_.gnu += (seq_fixed_ + seq_repeated_) * seq_digits_;
  next_.gnu += (slot_fixed_ + slot_repeated_) * slot_digits_;
  for (const Position& field : position_fields_) {
    if (field.index < item.size()) next_.gnu += QuotedLength(field.transform, item[field.index]);
  }
  for (size_t j = 0; j < item.size(); ++j) {
    size_t cost = ValueCost(item[j]);
    next_.exact += cost;
    next_.gnu += cost;
    for (size_t p = 0; p < position_fields_.size(); ++p) {
      const Position& field = position_fields_[p];
      if (field.index == current_.values + j) {
        next_.positions[p] = QuotedLength(field.transform, item[j]);
      }
    }
  }
  measured_ = true;
}

size_t BatchSizer::Length(const State& s) const {
  if (s.values == 0) return 0;
  size_t n = s.values;
  size_t exact = exact_.Length(n, s.exact);
  exact += seq_digits_ * (seq_fixed_ + n * seq_repeated_);
  exact += slot_digits_ * (slot_fixed_ + n * slot_repeated_);
  for (size_t p = 0; p < position_fields_.size(); ++p) {
    exact += s.positions[p] * (position_fields_[p].repeats ? n : 1);
  }
  return std::max(exact, gnu_.Length(n, s.gnu));
}

bool BatchSizer::Fits(const std::vector<std::string>& item) {
  if (options_.mode == BatchOptions::Mode::kNone) return count_ == 0;
  if (count_ >= options_.max_inputs) return false;
  if (!ByLine()) return true;
  Measure(item);
  // As GNU parallel: the line and its final NUL fit in -s. A first input that alone is too
  // long still gets a command (it fails with E2BIG).
  return count_ == 0 || Length(next_) < options_.max_line;
}

bool BatchSizer::Add(const std::vector<std::string>& item) {
  ++count_;
  if (ByLine()) {
    if (!measured_) Measure(item);  // a Reset since Fits: measured against the old batch
    std::swap(current_, next_);
    measured_ = false;
  }
  return count_ >= options_.max_inputs;
}

void BatchSizer::Reset() {
  count_ = 0;
  current_.values = current_.exact = current_.gnu = 0;
  std::fill(current_.positions.begin(), current_.positions.end(), 0);
  measured_ = false;
}

size_t BatchSizer::TailChunk(size_t n, int slots) const {
  if (!ByLine() || slots <= 0 || n <= 1) return n;
  auto s = static_cast<size_t>(slots);
  return (n + s - 1) / s;
}

}  // namespace coreflow
