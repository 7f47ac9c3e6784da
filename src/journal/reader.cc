#include "journal/reader.h"

#include <fcntl.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "base/hash.h"
#include "base/parse.h"
#include "sys/fd.h"

namespace coreflow {

bool JournalParser::Feed(std::string_view chunk, std::string* err) {
  if (failed_) return false;
  size_t start = 0;
  for (;;) {
    size_t newline = chunk.find('\n', start);
    if (newline == std::string_view::npos) break;
    std::string_view piece = chunk.substr(start, newline - start);
    uint64_t line_bytes = partial_.size() + piece.size() + 1;
    bool ok;
    if (partial_.empty()) {
      ok = ParseLine(piece, err);
    } else {
      partial_.append(piece);
      ok = ParseLine(partial_, err);
    }
    if (!ok) {
      failed_ = true;
      return false;
    }
    if (callbacks_.on_line) {
      callbacks_.on_line(partial_.empty() ? piece : std::string_view(partial_), info_);
    }
    partial_.clear();
    info_.complete_bytes += line_bytes;
    start = newline + 1;
  }
  partial_.append(chunk.substr(start));
  return true;
}

bool JournalParser::Finish(std::string* err) {
  if (failed_) return false;
  info_.torn_tail = !partial_.empty();
  if (info_.version == 0 && !info_.torn_tail) {
    *err = "it is empty, not a coreflow journal";
    return false;
  }
  if (info_.version == 0) {
    *err = "it is not a coreflow journal (no '#coreflow-journal' header)";
    return false;
  }
  return true;
}

bool JournalParser::ParseLine(std::string_view line, std::string* err) {
  ++line_number_;
  if (line_number_ == 1) {
    // #coreflow-journal <version> <template hash> <template text>
    std::string_view rest = line;
    if (rest.substr(0, kJournalMagic.size()) != kJournalMagic ||
        rest.size() <= kJournalMagic.size() || rest[kJournalMagic.size()] != '\t') {
      *err =
          "it is not a coreflow journal (no '#coreflow-journal' header); GNU parallel's "
          "joblog cannot be resumed";
      return false;
    }
    rest.remove_prefix(kJournalMagic.size() + 1);
    size_t tab = rest.find('\t');
    int64_t version = 0;
    if (!ParseInt(rest.substr(0, tab), &version) || version < 1) {
      *err = "line 1: malformed version";
      return false;
    }
    if (version > kJournalVersion) {
      *err = fmt::format("it is a version {} journal; this coreflow reads version {}", version,
                         kJournalVersion);
      return false;
    }
    info_.version = static_cast<int>(version);
    if (tab != std::string_view::npos) {
      rest.remove_prefix(tab + 1);
      size_t tab2 = rest.find('\t');
      std::string_view hash = rest.substr(0, tab2);
      if (!ParseKey(hash, info_.version, &info_.template_hash)) {
        *err = "line 1: malformed template hash";
        return false;
      }
      if (tab2 != std::string_view::npos)
        info_.template_text = UnescapeField(rest.substr(tab2 + 1));
    }
    return true;
  }
  if (line.empty() || line.substr(0, 4) == "Seq\t") return true;  // column names
  if (line[0] == '#') {
    StartMark m;
    if (line.substr(0, 7) == "#start\t") {
      if (!ParseStartMark(line, &m, info_.version)) {
        *err = fmt::format("line {}: malformed start mark", line_number_);
        return false;
      }
      if (callbacks_.on_start) callbacks_.on_start(m);
    } else if (callbacks_.on_note) {
      size_t tab = line.find('\t');
      std::string text = tab == std::string_view::npos ? "" : UnescapeField(line.substr(tab + 1));
      callbacks_.on_note(line.substr(1, tab == std::string_view::npos ? tab : tab - 1), text);
    }
    return true;  // notes are for readers that know them
  }
  JournalRecord r;
  std::string why;
  if (!ParseRecord(line, &r, &why, info_.version)) {
    *err = fmt::format("line {}: {}", line_number_, why);
    return false;
  }
  ++info_.records;
  if (callbacks_.on_record) callbacks_.on_record(r);
  return true;
}

bool ReadJournal(const std::string& path, const JournalCallbacks& callbacks, JournalInfo* info,
                 std::string* err) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    *err = fmt::format("cannot read journal '{}': {}", path, ErrnoText(errno));
    return false;
  }
  JournalParser parser(callbacks);
  std::vector<char> buffer(1 << 20);
  std::string why;
  for (;;) {
    ssize_t n = ReadSome(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      *err = fmt::format("cannot read journal '{}': {}", path, ErrnoText(errno));
      return false;
    }
    if (n == 0) break;
    if (!parser.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)), &why)) {
      *err = fmt::format("journal '{}': {}", path, why);
      return false;
    }
  }
  if (!parser.Finish(&why)) {
    *err = fmt::format("journal '{}': {}", path, why);
    return false;
  }
  *info = parser.info();
  return true;
}

}  // namespace coreflow
