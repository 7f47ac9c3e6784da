#include "journal/run_note.h"

#include <time.h>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "journal/format.h"
#include "sys/fd.h"

namespace coreflow {

std::string FormatRunNote(const RunNote& note) {
  nlohmann::json j = {
      {"id", note.id}, {"pid", note.pid}, {"host", note.host}, {"started", note.started}};
  if (!note.shard.empty()) j["shard"] = note.shard;
  return j.dump();
}

bool ParseRunNote(std::string_view text, RunNote* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return false;
  RunNote n;
  n.id = j["id"].get<std::string>();
  if (n.id.empty() || n.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return false;
  }
  if (j.contains("pid") && j["pid"].is_number_integer()) n.pid = j["pid"].get<int64_t>();
  if (j.contains("host") && j["host"].is_string()) n.host = j["host"].get<std::string>();
  if (j.contains("started") && j["started"].is_number()) n.started = j["started"].get<double>();
  if (j.contains("shard") && j["shard"].is_string()) n.shard = j["shard"].get<std::string>();
  *out = std::move(n);
  return true;
}

bool LastRunNote(const std::string& path, RunNote* out) {
  UniqueFd fd(OpenForReading(path));
  if (!fd.valid()) return false;
  std::string prefix = fmt::format("#{}\t", kRunNoteKind);
  std::string carry;
  std::string buffer(1 << 16, '\0');
  bool found = false;
  for (;;) {
    ssize_t n = ReadSome(fd.get(), buffer.data(), buffer.size());
    if (n <= 0) break;
    carry.append(buffer.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = carry.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(carry.data() + start, nl - start);
      if (line.substr(0, prefix.size()) != prefix) continue;
      RunNote note;
      if (ParseRunNote(UnescapeField(line.substr(prefix.size())), &note)) {
        *out = std::move(note);
        found = true;
      }
    }
    carry.erase(0, start);
  }
  return found;
}

std::string DescribeRun(const RunNote& note) {
  std::string text = fmt::format("pid {}", note.pid);
  if (!note.host.empty()) text += " on " + note.host;
  if (note.started > 0) {
    time_t t = static_cast<time_t>(note.started);
    tm local{};
    char when[32];
    if (::localtime_r(&t, &local) != nullptr &&
        ::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &local) > 0) {
      text += fmt::format(", started {}", when);
    }
  }
  return text;
}

}  // namespace coreflow
