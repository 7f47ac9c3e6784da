#include "report/journal_data.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "base/parse.h"
#include "journal/reader.h"

namespace coreflow {
namespace {

nlohmann::json SettingJson(const SettingValue& v) {
  return {{"value", v.value}, {"source", v.source}};
}

bool ReadSetting(const nlohmann::json& j, const char* name, SettingValue* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_object()) return false;
  auto value = it->find("value");
  auto source = it->find("source");
  if (value == it->end() || !value->is_number_integer()) return false;
  out->value = value->get<int64_t>();
  if (source != it->end() && source->is_string()) out->source = source->get<std::string>();
  return true;
}

// The span of one session (a run, or one resumption of it) in epoch nanoseconds.
struct Session {
  Nanos first_start = 0;
  Nanos last_end = 0;
  bool any = false;
};

}  // namespace

std::string SettingsNote(const RunSettings& s) {
  nlohmann::json j = {{"command_template", s.command_template},
                      {"slots", SettingJson(s.slots)},
                      {"threads_per_task", SettingJson(s.threads_per_task)},
                      {"inputs_per_invocation", SettingJson(s.inputs_per_invocation)},
                      {"usable_cpus", SettingJson(s.usable_cpus)},
                      {"mem_per_task_bytes", s.mem_per_task},
                      {"bind", s.bind},
                      {"worker", s.worker}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool ParseSettingsNote(const std::string& text, RunSettings* s) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  RunSettings out;
  if (!ReadSetting(j, "slots", &out.slots) ||
      !ReadSetting(j, "threads_per_task", &out.threads_per_task)) {
    return false;
  }
  ReadSetting(j, "inputs_per_invocation", &out.inputs_per_invocation);
  ReadSetting(j, "usable_cpus", &out.usable_cpus);
  if (auto it = j.find("command_template"); it != j.end() && it->is_string()) {
    out.command_template = it->get<std::string>();
  }
  out.bind = j.value("bind", false);
  out.worker = j.value("worker", false);
  if (auto it = j.find("mem_per_task_bytes"); it != j.end() && it->is_number_integer()) {
    out.mem_per_task = it->get<int64_t>();
  }
  out.known = true;
  *s = std::move(out);
  return true;
}

bool LoadJournalRunData(const std::string& path, RunData* data, std::string* err) {
  struct Raw {
    JournalRecord record;
    size_t session;
  };
  std::vector<Raw> records;
  std::vector<Session> sessions(1);
  std::set<std::pair<Hash128, int>> started, ended;
  bool ended_whole = false;
  std::optional<int> exit_status;
  RunSettings settings;
  std::vector<double> worker_startups;
  JournalCallbacks callbacks;
  callbacks.on_record = [&](const JournalRecord& r) {
    records.push_back({r, sessions.size() - 1});
    ended.insert({r.key, r.attempt});
    if (r.outcome == AttemptOutcome::kSkipped) return;  // never ran: no time of its own
    Session& s = sessions.back();
    s.first_start = s.any ? std::min(s.first_start, r.start_wall) : r.start_wall;
    s.last_end = std::max(s.last_end, r.start_wall + r.runtime);
    s.any = true;
  };
  callbacks.on_start = [&](const StartMark& m) { started.insert({m.key, m.attempt}); };
  callbacks.on_note = [&](std::string_view kind, const std::string& text) {
    if (kind == "resume") {
      sessions.emplace_back();
      ended_whole = false;
    } else if (kind == "config") {
      ParseSettingsNote(text, &settings);  // a note this version cannot read is left out
    } else if (kind == "reshape") {        // online tuning changed the shape: the last one stayed
      nlohmann::json r = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (r.is_object() && r.value("slots", 0) > 0) {
        settings.slots = {r.value("slots", 0), "autotune"};
        settings.threads_per_task = {r.value("threads", 1), "autotune"};
        if (settings.inputs_per_invocation.source == "-N") {
          settings.inputs_per_invocation = {r.value("batch", 1), "autotune"};
        }
        settings.bind = r.value("bind", false);
      }
    } else if (kind == "worker") {
      nlohmann::json w = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (w.is_object() && w.contains("startup_s") && w["startup_s"].is_number()) {
        worker_startups.push_back(w["startup_s"].get<double>());
      }
    } else if (kind == "end") {
      ended_whole = true;
      int64_t status = 0;
      if (ParseInt(text, &status)) exit_status = static_cast<int>(status);
    }
  };
  JournalInfo info;
  if (!ReadJournal(path, callbacks, &info, err)) return false;

  RunData out;
  out.settings = settings;
  out.worker_startups_s = std::move(worker_startups);
  if (out.settings.command_template.empty()) out.settings.command_template = info.template_text;
  Nanos origin = 0;
  bool have_origin = false;
  out.sessions = 0;
  for (const Session& s : sessions) {
    if (!s.any) continue;
    ++out.sessions;
    out.makespan_s += ToSeconds(s.last_end - s.first_start);
    if (!have_origin) origin = s.first_start;
    have_origin = true;
  }
  out.sessions = std::max(out.sessions, 1);
  size_t last_session = 0;
  for (const Raw& raw : records) {
    const JournalRecord& r = raw.record;
    if (!out.attempts.empty() && r.outcome != AttemptOutcome::kSkipped &&
        raw.session == last_session) {
      // A batch is journalled as one record per input: here it is one attempt again.
      AttemptData& prev = out.attempts.back();
      if (prev.seq == r.seq && prev.attempt == r.attempt && prev.outcome != "skipped") {
        ++prev.inputs;
        continue;
      }
    }
    last_session = raw.session;
    AttemptData a;
    a.seq = r.seq;
    a.attempt = r.attempt;
    a.slot = r.slot;
    a.final = r.final;
    a.outcome = OutcomeName(r.outcome);
    a.exit_code = r.exitval;
    a.signal = r.signal;
    a.start_s = r.outcome == AttemptOutcome::kSkipped ? 0 : ToSeconds(r.start_wall - origin);
    a.wall_s = ToSeconds(r.runtime);
    a.cpu_s = ToSeconds(r.user_cpu + r.sys_cpu);
    a.max_rss_kib = r.max_rss_kib;
    a.command = r.command.substr(0, kMaxReportedCommand);
    out.attempts.push_back(std::move(a));
  }
  for (const auto& s : started) out.cut_short += ended.count(s) == 0 ? 1 : 0;
  out.complete = ended_whole && !info.torn_tail;
  out.exit_status = ended_whole ? exit_status : std::nullopt;
  *data = std::move(out);
  return true;
}

}  // namespace coreflow
