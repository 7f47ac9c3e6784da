#include "inputs/combine.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "base/hash.h"
#include "inputs/find_source.h"

namespace coreflow {
namespace {

std::unique_ptr<InputSource> OpenFind(const SourceSpec& spec, const InputOptions& options,
                                      DirectoryReader* reader, std::string* err) {
  FindPattern pattern;
  if (!ParseFindPattern(spec.path, &pattern, err)) return nullptr;
  auto source = std::make_unique<FindSource>(reader, std::move(pattern), options.find_threads);
  if (options.on_listing) source->set_listing_observer(options.on_listing);
  if (!source->Start(err)) return nullptr;
  return source;
}

std::unique_ptr<InputSource> OpenSource(const SourceSpec& spec, const InputOptions& options,
                                        DirectoryReader* reader, bool* used_stdin,
                                        std::string* err) {
  const std::string& delimiter = options.delimiter;
  switch (spec.kind) {
    case SourceSpec::Kind::kFind:
      return OpenFind(spec, options, reader, err);
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
        return OpenSource(in, options, reader, used_stdin, err);
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

// How a source is named in messages about its header.
std::string SourceOrigin(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceSpec::Kind::kArgs:
      if (spec.args.empty()) return ":::";
      return "::: " + spec.args[0] + (spec.args.size() > 1 ? " ..." : "");
    case SourceSpec::Kind::kStdin:
      return "standard input";
    case SourceSpec::Kind::kFile:
      return spec.path == "-" ? "standard input" : spec.path;
    case SourceSpec::Kind::kFind:
      return "--find " + spec.path;
  }
  return "";
}

// A blocking read is fine where the values are needed before the first task: a header, or a
// group that a product revisits.
ReadStatus NextBlocking(InputSource* source, std::string* value, std::string* err) {
  ReadStatus s;
  do {
    s = source->Next(value, err);
    if (s == ReadStatus::kWouldBlock) WaitReadable(source->fd());
  } while (s == ReadStatus::kWouldBlock);
  return s;
}

// Reads a group of zipped sources to the shortest one's end.
bool ReadWholeGroup(std::vector<std::unique_ptr<InputSource>>& group,
                    std::vector<std::vector<std::string>>* rows, std::string* err) {
  for (;;) {
    std::vector<std::string> row(group.size());
    for (size_t i = 0; i < group.size(); ++i) {
      ReadStatus s = NextBlocking(group[i].get(), &row[i], err);
      if (s == ReadStatus::kError) return false;
      if (s == ReadStatus::kEnd) return true;
    }
    rows->push_back(std::move(row));
  }
}

}  // namespace

bool InputCombiner::Open(const std::vector<SourceSpec>& specs, const InputOptions& options,
                         std::string* err) {
  options_ = options;
  if (options_.remote != nullptr) {
    num_sources_ = static_cast<int>(specs.size());
    return true;
  }
  if (options_.columns()) {
    // As GNU parallel: without --colsep a header splits on tabs, and only --colsep trims.
    bool given = !options_.colsep.empty();
    if (!splitter_.Init(given ? options_.colsep : "\t", given, err)) return false;
  }
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups;
  bool used_stdin = false;
  for (const SourceSpec& spec : specs) {
    DirectoryReader* reader =
        options_.directories != nullptr ? options_.directories : &system_directories_;
    auto source = OpenSource(spec, options_, reader, &used_stdin, err);
    if (source == nullptr) return false;
    // --link may have to read a source again; a pipe cannot be, so its values are kept.
    if (options_.link && specs.size() > 1 && !source->CanRewind()) {
      source = std::make_unique<ReplaySource>(std::move(source));
    }
    if (options_.header && !ReadHeader(source.get(), SourceOrigin(spec), err)) return false;
    if (groups.empty() || !(spec.linked || options_.link)) groups.emplace_back();
    groups.back().push_back(std::move(source));
  }
  return OpenSources(std::move(groups), err);
}

bool InputCombiner::ReadHeader(InputSource* source, const std::string& origin, std::string* err) {
  std::string line;
  ReadStatus s = NextBlocking(source, &line, err);
  if (s == ReadStatus::kError) return false;
  header_origins_.push_back(origin);
  if (s == ReadStatus::kEnd) return true;                     // an empty source names no columns
  if (!line.empty() && line.back() == '\r') line.pop_back();  // as GNU parallel: CRLF files
  splitter_.Split(line, &column_names_);
  return true;
}

FieldScope InputCombiner::field_scope() const {
  FieldScope scope;
  scope.any_number = options_.columns();
  if (!options_.header) return scope;
  scope.names = &column_names_;
  scope.names_origin = header_origins_.size() == 1 ? "the header of " : "the headers of ";
  for (size_t i = 0; i < header_origins_.size(); ++i) {
    scope.names_origin += (i == 0 ? "" : ", ") + header_origins_[i];
  }
  return scope;
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
  recycled_.assign(first_.size(), false);
  for (size_t g = 1; g < groups.size(); ++g) {
    rows_.emplace_back();
    if (!ReadWholeGroup(groups[g], &rows_.back(), err)) return false;
    if (rows_.back().empty()) ended_ = true;  // a product with an empty factor is empty
    if (!options_.columns()) continue;
    for (auto& row : rows_.back()) {  // split once, not once per use
      std::vector<std::string> columns;
      for (const std::string& v : row) splitter_.Split(v, &columns);
      row = std::move(columns);
    }
  }
  odometer_.assign(rows_.size(), 0);
  return true;
}

bool InputCombiner::CountRemaining(uint64_t* n) const {
  if (have_first_ || !partial_.empty() || options_.shard_count > 1 || options_.remote != nullptr) {
    return false;
  }
  if (ended_) {
    *n = 0;
    return true;
  }
  // Linked sources stop at the shortest; with --link they go on to the longest, unless one is
  // empty and there is nothing to recycle.
  bool recycle = options_.link && first_.size() > 1;
  uint64_t first = recycle ? 0 : UINT64_MAX;
  for (const auto& source : first_) {
    uint64_t count = 0;
    if (!source->CountRemaining(&count)) return false;
    if (recycle && count == 0) {
      first = 0;
      break;
    }
    first = recycle ? std::max(first, count) : std::min(first, count);
  }
  uint64_t total = first_.empty() ? 0 : first;
  for (const auto& rows : rows_) total *= rows.size();
  *n = total;
  return true;
}

int InputCombiner::fd() const {
  if (options_.remote != nullptr) return options_.remote->fd();
  return blocked_source_ >= 0 ? first_[static_cast<size_t>(blocked_source_)]->fd() : -1;
}

ReadStatus InputCombiner::NextOfFirstGroup(size_t i, std::string* value, std::string* err) {
  ReadStatus s = first_[i]->Next(value, err);
  if (s != ReadStatus::kEnd || !options_.link || first_.size() < 2) return s;
  // --link: a source that ran out starts over, until every one of them has ended once.
  recycled_[i] = true;
  if (std::all_of(recycled_.begin(), recycled_.end(), [](bool r) { return r; })) return s;
  if (!first_[i]->Rewind()) {
    *err = "an input source could not be read again for --link";
    return ReadStatus::kError;
  }
  if (options_.header) {  // its first value is the header again
    std::string header;
    if ((s = first_[i]->Next(&header, err)) != ReadStatus::kValue) return s;
  }
  return first_[i]->Next(value, err);  // kEnd: an empty source, so there is nothing to link
}

ReadStatus InputCombiner::ReadFirstGroup(std::string* err) {
  while (partial_.size() < first_.size()) {
    size_t i = partial_.size();
    std::string value;
    ReadStatus s = NextOfFirstGroup(i, &value, err);
    if (s == ReadStatus::kWouldBlock) {
      blocked_source_ = static_cast<int>(i);
      return s;
    }
    blocked_source_ = -1;
    if (s != ReadStatus::kValue) return s;
    partial_.push_back(std::move(value));
  }
  if (options_.columns()) {
    current_first_.clear();
    for (const std::string& v : partial_) splitter_.Split(v, &current_first_);
  } else {
    current_first_ = std::move(partial_);
  }
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

bool InShard(const std::vector<std::string>& tuple, uint32_t index, uint32_t count) {
  if (count <= 1) return true;
  uint64_t h = Fnv1a64("");
  for (const std::string& v : tuple) {
    h = Fnv1a64(v, h);
    h = Fnv1a64(std::string_view("\0", 1), h);  // ("ab", "c") and ("a", "bc") differ
  }
  // FNV's low bits follow the last bytes closely: mixed (MurmurHash3's finalizer), "1" to
  // "20" spread over the shards instead of by their length.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h % count == index;
}

ReadStatus InputCombiner::Next(std::vector<std::string>* tuple, std::string* err) {
  if (options_.remote != nullptr) return options_.remote->Next(tuple, err);  // sharded there
  ReadStatus s;
  do {
    s = NextTuple(tuple, err);
  } while (s == ReadStatus::kValue && !InShard(*tuple, options_.shard_index, options_.shard_count));
  return s;
}

ReadStatus InputCombiner::NextTuple(std::vector<std::string>* tuple, std::string* err) {
  if (ended_) return ReadStatus::kEnd;
  if (!have_first_) {
    ReadStatus s = ReadFirstGroup(err);
    if (s == ReadStatus::kEnd || s == ReadStatus::kError) ended_ = true;
    if (s != ReadStatus::kValue) return s;
    have_first_ = true;
  }
  if (rows_.empty()) {  // no product: the values are used once, so they move
    tuple->swap(current_first_);
    have_first_ = false;
    return ReadStatus::kValue;
  }
  tuple->clear();
  tuple->reserve(current_first_.size());
  for (const std::string& v : current_first_) tuple->push_back(v);
  for (size_t g = 0; g < rows_.size(); ++g) {
    for (const std::string& v : rows_[g][odometer_[g]]) tuple->push_back(v);
  }
  if (!Advance()) have_first_ = false;
  return ReadStatus::kValue;
}

}  // namespace coreflow
