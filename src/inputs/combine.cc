#include "inputs/combine.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

namespace coreflow {
namespace {

std::unique_ptr<InputSource> OpenSource(const SourceSpec& spec, char delimiter, bool* used_stdin,
                                        std::string* err) {
  switch (spec.kind) {
    case SourceSpec::Kind::kArgs:
      return std::make_unique<ListSource>(spec.args);
    case SourceSpec::Kind::kStdin:
      if (*used_stdin) {
        *err = "standard input can be an input source only once";
        return nullptr;
      }
      *used_stdin = true;
      return std::make_unique<DelimitedReader>(STDIN_FILENO, delimiter, "standard input");
    case SourceSpec::Kind::kFile: {
      if (spec.path == "-") {
        SourceSpec in;
        in.kind = SourceSpec::Kind::kStdin;
        return OpenSource(in, delimiter, used_stdin, err);
      }
      UniqueFd fd(OpenForReading(spec.path));
      if (!fd.valid()) {
        *err = fmt::format("cannot open input file '{}': {}", spec.path, ErrnoText(errno));
        return nullptr;
      }
      return std::make_unique<DelimitedReader>(std::move(fd), delimiter, spec.path);
    }
  }
  return nullptr;
}

// Reads a group of zipped sources to the shortest one's end.
bool ReadWholeGroup(std::vector<std::unique_ptr<InputSource>>& group,
                    std::vector<std::vector<std::string>>* rows, std::string* err) {
  for (;;) {
    std::vector<std::string> row(group.size());
    for (size_t i = 0; i < group.size(); ++i) {
      ReadStatus s;
      do {
        s = group[i]->Next(&row[i], err);
        // A blocking read is fine here: the whole group is needed before the first task.
        if (s == ReadStatus::kWouldBlock) WaitReadable(group[i]->fd());
      } while (s == ReadStatus::kWouldBlock);
      if (s == ReadStatus::kError) return false;
      if (s == ReadStatus::kEnd) return true;
    }
    rows->push_back(std::move(row));
  }
}

}  // namespace

bool InputCombiner::Open(const std::vector<SourceSpec>& specs, char delimiter, std::string* err) {
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups;
  bool used_stdin = false;
  for (const SourceSpec& spec : specs) {
    auto source = OpenSource(spec, delimiter, &used_stdin, err);
    if (source == nullptr) return false;
    if (!spec.linked || groups.empty()) groups.emplace_back();
    groups.back().push_back(std::move(source));
  }
  return OpenSources(std::move(groups), err);
}

bool InputCombiner::OpenSources(std::vector<std::vector<std::unique_ptr<InputSource>>> groups,
                                std::string* err) {
  num_sources_ = 0;
  for (auto& g : groups) num_sources_ += static_cast<int>(g.size());
  if (groups.empty()) {
    ended_ = true;
    return true;
  }
  first_ = std::move(groups[0]);
  for (size_t g = 1; g < groups.size(); ++g) {
    rows_.emplace_back();
    if (!ReadWholeGroup(groups[g], &rows_.back(), err)) return false;
    if (rows_.back().empty()) ended_ = true;  // a product with an empty factor is empty
  }
  odometer_.assign(rows_.size(), 0);
  return true;
}

bool InputCombiner::CountRemaining(uint64_t* n) const {
  if (have_first_ || !partial_.empty()) return false;
  if (ended_) {
    *n = 0;
    return true;
  }
  uint64_t first = UINT64_MAX;
  for (const auto& source : first_) {
    uint64_t count = 0;
    if (!source->CountRemaining(&count)) return false;
    first = std::min(first, count);  // linked sources stop at the shortest
  }
  uint64_t total = first_.empty() ? 0 : first;
  for (const auto& rows : rows_) total *= rows.size();
  *n = total;
  return true;
}

int InputCombiner::fd() const {
  return blocked_source_ >= 0 ? first_[static_cast<size_t>(blocked_source_)]->fd() : -1;
}

ReadStatus InputCombiner::ReadFirstGroup(std::string* err) {
  while (partial_.size() < first_.size()) {
    size_t i = partial_.size();
    std::string value;
    ReadStatus s = first_[i]->Next(&value, err);
    if (s == ReadStatus::kWouldBlock) {
      blocked_source_ = static_cast<int>(i);
      return s;
    }
    blocked_source_ = -1;
    if (s != ReadStatus::kValue) return s;
    partial_.push_back(std::move(value));
  }
  current_first_ = std::move(partial_);
  partial_.clear();
  return ReadStatus::kValue;
}

bool InputCombiner::Advance() {
  for (size_t g = rows_.size(); g-- > 0;) {
    if (++odometer_[g] < rows_[g].size()) return true;
    odometer_[g] = 0;
  }
  return false;
}

ReadStatus InputCombiner::Next(std::vector<std::string>* tuple, std::string* err) {
  if (ended_) return ReadStatus::kEnd;
  if (!have_first_) {
    ReadStatus s = ReadFirstGroup(err);
    if (s == ReadStatus::kEnd || s == ReadStatus::kError) ended_ = true;
    if (s != ReadStatus::kValue) return s;
    have_first_ = true;
  }
  tuple->clear();
  tuple->reserve(static_cast<size_t>(num_sources_));
  for (const std::string& v : current_first_) tuple->push_back(v);
  for (size_t g = 0; g < rows_.size(); ++g) {
    for (const std::string& v : rows_[g][odometer_[g]]) tuple->push_back(v);
  }
  if (!Advance()) have_first_ = false;
  return ReadStatus::kValue;
}

}  // namespace coreflow
