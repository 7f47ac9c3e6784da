#include "journal/format.h"

#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "base/hash.h"
#include "base/parse.h"
#include "base/plural.h"

namespace coreflow {
namespace {

constexpr std::array<const char*, 9> kOutcomeNames = {
    "ok",          "failed",      "signal", "timeout", "noexec", "missing-output",
    "over-memory", "interrupted", "skipped"};

// Seconds with three decimals, as GNU parallel writes Starttime and JobRuntime.
bool ParseSeconds(std::string_view text, Nanos* out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  double seconds = 0;
  if (!ParseDouble(text, &seconds) || seconds > 9e9) return false;
  *out = static_cast<Nanos>(std::llround(seconds * 1e9));
  return true;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out, int64_t min) {
  int64_t v = 0;
  if (!ParseInt(text, &v) || v < min) return false;
  if constexpr (std::is_signed_v<T>) {
    if (v > static_cast<int64_t>(std::numeric_limits<T>::max())) return false;
  } else if (static_cast<uint64_t>(v) > std::numeric_limits<T>::max()) {
    return false;
  }
  *out = static_cast<T>(v);
  return true;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> cols;
  size_t start = 0;
  for (;;) {
    size_t at = line.find('\t', start);
    if (at == std::string_view::npos) {
      cols.push_back(line.substr(start));
      return cols;
    }
    cols.push_back(line.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

const char* OutcomeName(AttemptOutcome outcome) {
  return kOutcomeNames[static_cast<size_t>(outcome)];
}

AttemptOutcome ClassifyOutcome(const Outcome& o, bool could_not_execute) {
  if (o.timed_out) return AttemptOutcome::kTimeout;
  if (o.over_memory) return AttemptOutcome::kOverMemory;
  if (o.interrupted) return AttemptOutcome::kInterrupted;
  if (could_not_execute) return AttemptOutcome::kNoExec;
  if (o.missing_output) return AttemptOutcome::kMissingOutput;
  if (o.signal != 0) return AttemptOutcome::kSignal;
  return o.exit_code == 0 ? AttemptOutcome::kOk : AttemptOutcome::kFailed;
}

bool ParseOutcomeName(std::string_view name, AttemptOutcome* out) {
  for (size_t i = 0; i < kOutcomeNames.size(); ++i) {
    if (name == kOutcomeNames[i]) {
      *out = static_cast<AttemptOutcome>(i);
      return true;
    }
  }
  return false;
}

std::string EscapeField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UnescapeField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char next = s[++i];
    out.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
  }
  return out;
}

std::string FormatKey(const Hash128& key, int version) {
  return version == 1 ? HexDigits(key.low) : HexDigits128(key);
}

bool ParseKey(std::string_view text, int version, Hash128* out) {
  if (version != 1) return ParseHexDigits128(text, out);
  *out = Hash128{};
  return ParseHexDigits(text, &out->low);
}

std::string JournalHeader(const Hash128& template_hash, std::string_view template_text,
                          int version) {
  return fmt::format(
      "{}\t{}\t{}\t{}\n"
      "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\t"
      "Key\tAttempt\tUserCPU\tSysCPU\tMaxRSSKiB\tSlot\tOutcome\tFinal\n",
      kJournalMagic, version, FormatKey(template_hash, version), EscapeField(template_text));
}

std::string FormatRecord(const JournalRecord& r, int version) {
  return fmt::format(
      "{}\t{}\t{:.3f}\t{:10.3f}\t0\t{}\t{}\t{}\t{}\t{}\t{}\t{:.3f}\t{:.3f}\t{}\t{}\t{}\t{}\n",
      r.seq, r.host.empty() ? ":" : EscapeField(r.host), ToSeconds(r.start_wall),
      ToSeconds(r.runtime), r.receive, r.exitval, r.signal, EscapeField(r.command),
      FormatKey(r.key, version), r.attempt, ToSeconds(r.user_cpu), ToSeconds(r.sys_cpu),
      r.max_rss_kib, r.slot, OutcomeName(r.outcome), r.final ? 1 : 0);
}

std::string FormatStartMark(const StartMark& m, int version) {
  if (version == 1) {
    return fmt::format("#start\t{}\t{}\t{}\n", FormatKey(m.key, version), m.attempt, m.seq);
  }
  if (m.stage > 0) {
    return fmt::format("#start\t{}\t{}\t{}\t{}\t{}\n", FormatKey(m.key, version), m.attempt, m.seq,
                       m.outputs, m.stage);
  }
  return fmt::format("#start\t{}\t{}\t{}\t{}\n", FormatKey(m.key, version), m.attempt, m.seq,
                     m.outputs);
}

std::string FormatOutputStates(const std::vector<FileIdentity>& states) {
  std::string out;
  for (const FileIdentity& f : states) {
    if (!out.empty()) out.push_back(',');
    if (f.exists) {
      fmt::format_to(std::back_inserter(out), "{}.{}.{}", static_cast<uint64_t>(f.ino), f.size,
                     f.mtime_ns);
    } else {
      out.push_back('-');
    }
  }
  return out;
}

bool ParseOutputStates(std::string_view text, std::vector<FileIdentity>* out) {
  out->clear();
  if (text.empty()) return true;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    FileIdentity f;
    if (item != "-") {
      size_t dot1 = item.find('.');
      size_t dot2 = dot1 == std::string_view::npos ? dot1 : item.find('.', dot1 + 1);
      uint64_t ino = 0;
      if (dot2 == std::string_view::npos || !ParseNumber(item.substr(0, dot1), &ino, 0) ||
          !ParseNumber(item.substr(dot1 + 1, dot2 - dot1 - 1), &f.size, 0) ||
          !ParseNumber(item.substr(dot2 + 1), &f.mtime_ns, INT64_MIN)) {
        out->clear();
        return false;
      }
      f.exists = true;
      f.ino = static_cast<ino_t>(ino);
    }
    out->push_back(f);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

bool SameFileState(const FileIdentity& before, const FileIdentity& now) {
  if (!before.exists || !now.exists) return before.exists == now.exists;
  return before.ino == now.ino && before.size == now.size && before.mtime_ns == now.mtime_ns;
}

std::string FormatResumeNote(Nanos wall) {
  return fmt::format("#resume\t{:.3f}\n", ToSeconds(wall));
}

bool ParseRecord(std::string_view line, JournalRecord* out, std::string* err, int version) {
  std::vector<std::string_view> c = SplitTabs(line);
  if (c.size() < 17) {
    *err = fmt::format("a record has {}, expected 17", Plural(c.size(), "column"));
    return false;
  }
  JournalRecord r;
  int64_t signal = 0;
  bool ok = ParseNumber(c[0], &r.seq, 1) && ParseSeconds(c[2], &r.start_wall) &&
            ParseSeconds(c[3], &r.runtime) && ParseNumber(c[5], &r.receive, 0) &&
            ParseNumber(c[6], &r.exitval, -1) && ParseNumber(c[7], &signal, 0) &&
            ParseKey(c[9], version, &r.key) && ParseNumber(c[10], &r.attempt, 1) &&
            ParseSeconds(c[11], &r.user_cpu) && ParseSeconds(c[12], &r.sys_cpu) &&
            ParseNumber(c[13], &r.max_rss_kib, 0) && ParseNumber(c[14], &r.slot, 0) &&
            ParseOutcomeName(c[15], &r.outcome) && (c[16] == "0" || c[16] == "1");
  if (!ok || r.exitval > 255 || signal > 128) {
    *err = "a record has a malformed column";
    return false;
  }
  r.signal = static_cast<int>(signal);
  r.command = UnescapeField(c[8]);
  if (c[1] != ":") r.host = UnescapeField(c[1]);
  r.final = c[16] == "1";
  *out = std::move(r);
  return true;
}

bool ParseStartMark(std::string_view line, StartMark* out, int version) {
  std::vector<std::string_view> c = SplitTabs(line);
  if (c.size() < 4 || c[0] != "#start" || !ParseKey(c[1], version, &out->key) ||
      !ParseNumber(c[2], &out->attempt, 1) || !ParseNumber(c[3], &out->seq, 1)) {
    return false;
  }
  out->outputs_known = c.size() >= 5;
  out->outputs = out->outputs_known ? std::string(c[4]) : std::string();
  int64_t stage = 0;
  out->stage = c.size() >= 6 && ParseInt(c[5], &stage) && stage > 0 && stage < (1 << 20)
                   ? static_cast<int>(stage)
                   : 0;
  return true;
}

}  // namespace coreflow
