#include "report/journal_data.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/parse.h"
#include "journal/reader.h"
#include "journal/run_note.h"

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

nlohmann::json OptionsNote(const std::vector<GivenOption>& options) {
  nlohmann::json j = nlohmann::json::array();
  for (const GivenOption& o : options) {
    j.push_back(o.flag ? nlohmann::json::array({o.name})
                       : nlohmann::json::array({o.name, o.value}));
  }
  return j;
}

// How coreflow was called, from a '#config' note; what is missing or malformed is left out.
void ReadInvocation(const nlohmann::json& j, RunSettings* out) {
  if (auto it = j.find("argv"); it != j.end() && it->is_array()) {
    for (const auto& word : *it) {
      if (word.is_string()) out->argv.push_back(word.get<std::string>());
    }
  }
  if (auto it = j.find("options"); it != j.end() && it->is_array()) {
    for (const auto& o : *it) {
      if (!o.is_array() || o.empty() || o.size() > 2 || !o[0].is_string()) continue;
      if (o.size() == 2 && !o[1].is_string()) continue;
      out->options.push_back(
          {o[0].get<std::string>(), o.size() == 2 ? o[1].get<std::string>() : "", o.size() == 1});
    }
  }
  if (auto it = j.find("resume_command"); it != j.end() && it->is_string()) {
    out->resume_command = it->get<std::string>();
  }
  out->inputs_from_stdin = j.value("inputs_from_stdin", false);
}

// The span of one session (a run, or one resumption of it) in epoch nanoseconds.
struct Session {
  Nanos first_start = 0;
  Nanos last_end = 0;
  bool any = false;
};

struct RawRecord {
  JournalRecord record;
  size_t session;
};

// The journal's records as attempts: a batch's records (one per input) become one attempt.
// `stages`: the pipeline stage of each key, from its start marks.
void AddAttempts(const std::vector<RawRecord>& records, const std::map<Hash128, int>& stages,
                 Nanos origin, RunData* out) {
  // A stopped attempt (Ctrl-C) is journalled as not final, so that a resume runs it again;
  // where no later record of its input follows, it is where the task stands.
  std::vector<bool> followed(records.size(), false);
  std::set<Hash128> seen;
  for (size_t i = records.size(); i-- > 0;) {
    followed[i] = !seen.insert(records[i].record.key).second;
  }
  size_t last_session = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const JournalRecord& r = records[i].record;
    if (!out->attempts.empty() && r.outcome != AttemptOutcome::kSkipped &&
        records[i].session == last_session) {
      AttemptData& prev = out->attempts.back();
      // A batch's records share its command; a pipeline's stages of one item do not.
      if (prev.seq == r.seq && prev.attempt == r.attempt && prev.outcome != "skipped" &&
          r.command.compare(0, kMaxReportedCommand, prev.command) == 0) {
        ++prev.inputs;
        continue;
      }
    }
    last_session = records[i].session;
    AttemptData a;
    a.seq = r.seq;
    a.attempt = r.attempt;
    a.slot = r.slot;
    a.host = r.host;
    a.final = r.final || (r.outcome == AttemptOutcome::kInterrupted && !followed[i]);
    a.outcome = OutcomeName(r.outcome);
    a.exit_code = r.exitval;
    a.signal = r.signal;
    a.start_s = r.outcome == AttemptOutcome::kSkipped ? 0 : ToSeconds(r.start_wall - origin);
    a.wall_s = ToSeconds(r.runtime);
    a.cpu_s = ToSeconds(r.user_cpu + r.sys_cpu);
    a.max_rss_kib = r.max_rss_kib;
    a.command = r.command.substr(0, kMaxReportedCommand);
    if (auto it = stages.find(r.key); it != stages.end()) a.stage = it->second;
    out->attempts.push_back(std::move(a));
  }
}

// A '#reshape' note: online tuning changed the run's shape from then on.
void ApplyReshapeNote(const std::string& text, RunSettings* settings) {
  nlohmann::json r = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!r.is_object() || r.value("slots", 0) <= 0) return;
  settings->slots = {r.value("slots", 0), "autotune"};
  settings->threads_per_task = {r.value("threads", 1), "autotune"};
  if (settings->inputs_per_invocation.source == "-N") {
    settings->inputs_per_invocation = {r.value("batch", 1), "autotune"};
  }
  settings->bind = r.value("bind", false);
}

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
  if (!s.stages.empty()) j["stages"] = s.stages;  // a pipeline's stage names, in order
  if (!s.argv.empty()) {  // how coreflow was called, for reports and the resume hint
    j["argv"] = s.argv;
    j["options"] = OptionsNote(s.options);
    j["resume_command"] = s.resume_command;
    j["inputs_from_stdin"] = s.inputs_from_stdin;
  }
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
  if (auto it = j.find("stages"); it != j.end() && it->is_array()) {
    for (const auto& name : *it) {
      if (name.is_string()) out.stages.push_back(name.get<std::string>());
    }
  }
  ReadInvocation(j, &out);
  out.known = true;
  *s = std::move(out);
  return true;
}

bool LoadJournalRunData(const std::string& path, RunData* data, std::string* err) {
  std::vector<RawRecord> records;
  std::vector<Session> sessions(1);
  std::set<std::pair<Hash128, int>> started, ended;
  bool ended_whole = false;
  std::optional<int> exit_status;
  RunSettings settings;
  std::vector<double> worker_startups;
  RunNote first_run;  // who wrote the journal first: when and where the run began
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
  std::map<Hash128, int> stages;
  callbacks.on_start = [&](const StartMark& m) {
    started.insert({m.key, m.attempt});
    if (m.stage > 0) stages[m.key] = m.stage;
  };
  callbacks.on_note = [&](std::string_view kind, const std::string& text) {
    if (kind == "resume") {
      sessions.emplace_back();
      ended_whole = false;
    } else if (kind == kRunNoteKind) {
      if (first_run.id.empty()) ParseRunNote(text, &first_run);
    } else if (kind == "config") {
      ParseSettingsNote(text, &settings);  // a note this version cannot read is left out
    } else if (kind == "reshape") {        // online tuning changed the shape: the last one stayed
      ApplyReshapeNote(text, &settings);
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
  out.host = first_run.host;
  out.started_at = first_run.started;
  out.worker_startups_s = std::move(worker_startups);
  out.waits_known = false;  // records hold when a task started, not when it was ready
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
  AddAttempts(records, stages, origin, &out);
  for (AttemptData& a : out.attempts) {  // a stage the journal's settings do not name
    if (static_cast<size_t>(a.stage) >= out.settings.stages.size()) a.stage = 0;
  }
  for (const auto& s : started) out.cut_short += ended.count(s) == 0 ? 1 : 0;
  out.complete = ended_whole && !info.torn_tail;
  out.exit_status = ended_whole ? exit_status : std::nullopt;
  *data = std::move(out);
  return true;
}

}  // namespace coreflow
