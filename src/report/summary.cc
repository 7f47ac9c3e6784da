#include "report/summary.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/plural.h"
#include "plan/quote.h"
#include "report/observer.h"
#include "report/text.h"
#include "report/units.h"

namespace coreflow {
namespace {

constexpr int kReportVersion = 1;
constexpr size_t kFailuresInSummary = 3;
constexpr size_t kStderrLinesInSummary = 3;
constexpr size_t kStderrLineWidth = 100;  // with the prefix, a line of a wide terminal
constexpr size_t kNameWidth = 60;         // of an input or a command naming a failed task

// Why a final attempt failed, in a few words.
std::string Reason(const AttemptData& a) {
  if (a.outcome == "failed") return fmt::format("exit {}", a.exit_code);
  if (a.outcome == "signal") return fmt::format("signal {}", a.signal);
  if (a.outcome == "noexec") return "could not execute";
  return a.outcome;  // timeout, missing-output, over-memory
}

// Tasks of several inputs (-N, -X, -m) are counted by input, as the progress line counts.
// (A pipeline's gather tasks hold several items, but a pipeline counts tasks.)
bool Batched(const RunData& data, const RunStats& s) {
  return s.inputs != s.tasks && data.settings.stages.size() < 2;
}

// A pipeline's stages, a line each: what ran, and how busy the stage kept the machine.
std::string StageLines(const RunData& data, const RunStats& s) {
  const std::vector<std::string>& names = data.settings.stages;
  if (names.size() < 2) return "";
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    StageStats st = i < s.stages.size() ? s.stages[i] : StageStats{};
    std::string line = fmt::format("coreflow: stage '{}': {}, {} ok", names[i],
                                   Plural(st.tasks, "task"), st.succeeded);
    if (st.failed > 0) line += fmt::format(", {} failed", st.failed);
    if (st.skipped > 0) line += fmt::format(", {} skipped", st.skipped);
    if (st.tasks > 0) {
      line += fmt::format("; {:.1f} running on average, runtime mean {}, max {}", st.mean_running,
                          FormatDuration(st.task_wall_s / static_cast<double>(st.tasks)),
                          FormatDuration(st.max_wall_s));
    }
    if (st.tasks > 0 && data.waits_known) {
      line += fmt::format("; waited mean {}, max {}",
                          FormatDuration(st.wait_s / static_cast<double>(st.tasks)),
                          FormatDuration(st.max_wait_s));
    }
    out += line + "\n";
  }
  return out;
}

// coreflow-mpi's runs: the tasks each rank finished, in the order the ranks first appear;
// empty for a run on one node.
std::vector<std::pair<std::string, uint64_t>> TasksByHost(const RunData& data) {
  std::vector<std::pair<std::string, uint64_t>> hosts;
  for (const AttemptData& a : data.attempts) {
    if (a.host.empty() || !a.final || a.outcome == "skipped") continue;
    auto it =
        std::find_if(hosts.begin(), hosts.end(), [&](const auto& h) { return h.first == a.host; });
    if (it == hosts.end()) {
      hosts.emplace_back(a.host, 1);
    } else {
      ++it->second;
    }
  }
  return hosts;
}

std::string HostLine(const RunData& data) {
  auto hosts = TasksByHost(data);
  if (hosts.size() < 2) return "";
  std::string line = fmt::format("coreflow: on {}:", Plural(hosts.size(), "rank"));
  for (size_t i = 0; i < hosts.size(); ++i) {
    line += fmt::format("{} {} {}", i == 0 ? "" : ",", hosts[i].first,
                        i == 0 ? Plural(hosts[i].second, "task") : std::to_string(hosts[i].second));
  }
  return line + "\n";
}

nlohmann::json StagesJson(const RunData& data, const RunStats& s) {
  nlohmann::json j = nlohmann::json::array();
  for (size_t i = 0; i < data.settings.stages.size(); ++i) {
    StageStats st = i < s.stages.size() ? s.stages[i] : StageStats{};
    nlohmann::json stage = {{"name", data.settings.stages[i]},
                            {"tasks", st.tasks},
                            {"succeeded", st.succeeded},
                            {"failed", st.failed},
                            {"skipped", st.skipped},
                            {"task_wall_s", st.task_wall_s},
                            {"cpu_s", st.cpu_s},
                            {"max_runtime_s", st.max_wall_s},
                            {"mean_running", st.mean_running}};
    if (data.waits_known) {  // else left out, not reported as no wait at all
      stage["wait_s"] = st.wait_s;
      stage["max_wait_s"] = st.max_wait_s;
    }
    j.push_back(std::move(stage));
  }
  return j;
}

std::string OutcomeCounts(const RunData& data, const RunStats& s) {
  const auto& by = Batched(data, s) ? s.inputs_by_outcome : s.final_outcomes;
  auto ok = by.find("ok");
  std::string text = fmt::format("{} ok", ok == by.end() ? 0 : ok->second);
  for (const auto& [outcome, n] : by) {
    if (outcome != "ok") text += fmt::format(", {} {}", n, outcome);
  }
  return text;
}

// Inputs (tasks, when not batched) the run knew of but never finished: a stop, a halt.
uint64_t NotRun(const RunData& data, const RunStats& s) {
  uint64_t done = s.inputs + s.skipped;
  return data.total_tasks > done ? data.total_tasks - done : 0;
}

std::string Headline(const RunData& data, const RunStats& s) {
  std::string what = Plural(s.tasks, "task");
  if (data.settings.stages.size() > 1) {
    what += fmt::format(" of {} stages", data.settings.stages.size());
  } else if (Batched(data, s))
    what = fmt::format("{} (in {})", Plural(s.inputs, "input"), Plural(s.tasks, "command"));
  std::string first = fmt::format("coreflow: {} in {}: {}", what, FormatDuration(s.makespan_s),
                                  OutcomeCounts(data, s));
  if (s.skipped > 0) first += fmt::format("; {} skipped", s.skipped);
  if (s.retried > 0) first += fmt::format("; {} retried", Plural(s.retried, "attempt"));
  if (uint64_t left = NotRun(data, s); left > 0 && data.complete) {
    first += fmt::format("; {} not run", left);
  }
  if (data.cut_short > 0) first += fmt::format("; {} cut short", data.cut_short);
  if (!data.complete) first += " (the run did not finish)";
  return first + "\n";
}

std::string SpeedLine(const RunStats& s) {
  std::string line = fmt::format("coreflow: {:.1f}x faster than one at a time", s.speedup);
  if (s.worker_startup_s.count > 0 && s.startup_s > 0) {
    // Workers start before any task: without them in it, the figure compares like with like.
    line = fmt::format("coreflow: {:.1f}x faster than one at a time after {} of worker start-up",
                       s.speedup_after_startup, FormatDuration(s.startup_s));
  }
  if (s.cpu_available_s > 0) line += fmt::format(", CPUs {:.0f}% busy", s.utilization * 100);
  line += fmt::format("; runtime p50 {}, p99 {}, max {}", FormatDuration(s.runtime_s.p50),
                      FormatDuration(s.runtime_s.p99), FormatDuration(s.runtime_s.max));
  if (s.rss_kib.max > 0) {
    line += fmt::format("; peak memory p50 {}, max {}", FormatKib(s.rss_kib.p50),
                        FormatKib(s.rss_kib.max));
  }
  return line + "\n";
}

// "input a.txt (task 3, exit 2)", or from a journal, which keeps no inputs, "task 3 (exit 2):
// the command".
std::string FailedTask(const AttemptData& a) {
  if (!a.input.empty()) {
    return fmt::format("{} {} (task {}, {})", a.inputs > 1 ? "inputs" : "input",
                       Shorten(a.input, kNameWidth), a.seq, Reason(a));
  }
  std::string text = fmt::format("task {} ({})", a.seq, Reason(a));
  if (!a.command.empty()) text += ": " + Shorten(a.command, kNameWidth);
  return text;
}

// The first failures by name, each with the last lines it wrote on stderr.
std::string FailureLines(const RunStats& s) {
  std::string out;
  for (size_t i = 0; i < s.failures.size() && i < kFailuresInSummary; ++i) {
    const AttemptData& a = s.failures[i];
    out += "coreflow: failed: " + FailedTask(a) + "\n";
    bool cut = a.stderr_tail.size() >= kStderrTailBytes;  // the stream may have begun earlier
    for (const std::string& line :
         LastLines(a.stderr_tail, kStderrLinesInSummary, kStderrLineWidth, cut)) {
      out += "coreflow:   | " + line + "\n";
    }
  }
  if (s.failed > kFailuresInSummary) {
    out += fmt::format("coreflow: failed: and {} more\n", s.failed - kFailuresInSummary);
  }
  return out;
}

// After a run that left work undone: how to do just that work.
std::string ResumeHint(const RunData& data, const RunStats& s) {
  const RunSettings& c = data.settings;
  bool undone = s.failed > 0 || s.interrupted > 0 || NotRun(data, s) > 0 || !data.complete;
  if (!undone || c.argv.empty()) return "";  // a journal of an older coreflow: no command line
  if (c.resume_command.empty()) {
    return "coreflow: add --joblog FILE next time: then the same command with --resume-failed "
           "runs only the failed and unfinished tasks\n";
  }
  return fmt::format("coreflow: to run the failed and unfinished tasks: {}{}\n", c.resume_command,
                     c.inputs_from_stdin ? " (with the same inputs on stdin)" : "");
}

nlohmann::json DistributionJson(const Distribution& d) {
  return {{"count", d.count}, {"p50", d.p50}, {"p90", d.p90},
          {"p99", d.p99},     {"max", d.max}, {"mean", d.mean}};
}

nlohmann::json SettingJson(const SettingValue& v) {
  return {{"value", v.value}, {"source", v.source}};
}

nlohmann::json AttemptJson(const AttemptData& a) {
  nlohmann::json j = {{"seq", a.seq},
                      {"attempt", a.attempt},
                      {"slot", a.slot},
                      {"host", a.host.empty() ? nlohmann::json() : nlohmann::json(a.host)},
                      {"outcome", a.outcome},
                      {"exit_code", a.exit_code},
                      {"signal", a.signal},
                      {"start_s", a.start_s},
                      {"runtime_s", a.wall_s},
                      {"cpu_s", a.cpu_s},
                      {"max_rss_kib", a.max_rss_kib},
                      {"command", a.command},
                      {"input", a.input},
                      {"stderr_tail", a.stderr_tail}};
  if (!a.error.empty()) j["reason"] = a.error;
  if (a.stage > 0) j["stage"] = a.stage;
  return j;
}

// The options as given: a flag is true, an option given once its value, one given more often
// the list of its values.
nlohmann::json OptionsJson(const std::vector<GivenOption>& options) {
  nlohmann::json j = nlohmann::json::object();
  for (const GivenOption& o : options) {
    nlohmann::json value = o.flag ? nlohmann::json(true) : nlohmann::json(o.value);
    if (!j.contains(o.name) || o.flag) {
      j[o.name] = value;
    } else {
      if (!j[o.name].is_array()) j[o.name] = nlohmann::json::array({j[o.name]});
      j[o.name].push_back(value);
    }
  }
  return j;
}

// When, where and how the run was started.
void AddInvocation(const RunData& data, nlohmann::json* j) {
  const RunSettings& c = data.settings;
  std::string when = FormatTimestamp(data.started_at);
  (*j)["started_at"] = when.empty() ? nlohmann::json() : nlohmann::json(when);
  (*j)["host"] = data.host.empty() ? nlohmann::json() : nlohmann::json(data.host);
  (*j)["argv"] = c.argv;
  (*j)["command_line"] = QuoteCommandLine(c.argv);
  (*j)["options"] = OptionsJson(c.options);
  (*j)["resume_command"] =
      c.resume_command.empty() ? nlohmann::json() : nlohmann::json(c.resume_command);
}

nlohmann::json CountsJson(const RunData& data, const RunStats& s) {
  nlohmann::json by_outcome = nlohmann::json::object();
  for (const auto& [outcome, n] : s.final_outcomes) by_outcome[outcome] = n;
  nlohmann::json inputs_by_outcome = nlohmann::json::object();
  for (const auto& [outcome, n] : s.inputs_by_outcome) inputs_by_outcome[outcome] = n;
  nlohmann::json j = {{"tasks", s.tasks},
                      {"inputs", s.inputs},
                      {"succeeded", s.succeeded},
                      {"failed", s.failed},
                      {"interrupted", s.interrupted},
                      {"skipped", s.skipped},
                      {"attempts", s.attempts},
                      {"retried", s.retried},
                      {"cut_short", data.cut_short},
                      {"by_outcome", by_outcome},
                      {"inputs_by_outcome", inputs_by_outcome}};
  if (data.total_tasks > 0) j["total"] = data.total_tasks;
  return j;
}

}  // namespace

std::string QuoteCommandLine(const std::vector<std::string>& argv) {
  // Python's shlex.quote leaves these plain too: ':::' reads better than "':::'".
  auto plain = [](const std::string& w) {
    return !w.empty() && w.find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_@%+=:,./-") == std::string::npos;
  };
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line.push_back(' ');
    if (plain(word)) {
      line += word;
    } else {
      AppendShellQuoted(word, &line);
    }
  }
  return line;
}

std::string DescribeConfiguration(const RunSettings& c) {
  if (!c.known) return "";
  if (c.stages.size() > 1) {  // -j is the cores every stage's tasks share; threads are per stage
    return fmt::format("-j {} ({}): the cores {} stages share", c.slots.value, c.slots.source,
                       c.stages.size());
  }
  std::string out = fmt::format("-j {} ({}), -t {} ({})", c.slots.value, c.slots.source,
                                c.threads_per_task.value, c.threads_per_task.source);
  const SettingValue& b = c.inputs_per_invocation;
  if (b.source == "-N" || b.source == "autotune" || b.source == "autotune (cached)") {
    out += fmt::format(", -N {} ({})", b.value, b.source);
  } else if (b.source == "-X" || b.source == "-m") {
    out += ", " + b.source;
  }
  if (c.bind) out += ", --bind";
  if (c.worker) out += ", --worker";
  return out;
}

std::string FormatSummary(const RunData& data, const RunStats& s) {
  std::string out = Headline(data, s);
  if (s.tasks == 0) return out + ResumeHint(data, s);
  out += SpeedLine(s);
  out += StageLines(data, s);
  out += HostLine(data);
  if (s.worker_startup_s.count > 0) {
    out +=
        fmt::format("coreflow: {} started, start-up p50 {}, max {} (not counted in task times)\n",
                    Plural(s.worker_startup_s.count, "worker"),
                    FormatDuration(s.worker_startup_s.p50), FormatDuration(s.worker_startup_s.max));
  }
  out += FailureLines(s);
  if (std::string how = DescribeConfiguration(data.settings); !how.empty()) {
    out += "coreflow: ran with " + how + "\n";  // what was used, and why
  }
  return out + ResumeHint(data, s);
}

nlohmann::json ReportJson(const RunData& data, const RunStats& s) {
  nlohmann::json j;
  j["coreflow_report"] = kReportVersion;
  j["complete"] = data.complete;
  j["exit_status"] = data.exit_status ? nlohmann::json(*data.exit_status) : nlohmann::json();
  j["command_template"] = data.settings.command_template;
  AddInvocation(data, &j);
  j["counts"] = CountsJson(data, s);
  j["hosts"] = nlohmann::json::array();  // coreflow-mpi: the tasks each rank finished
  for (const auto& [host, tasks] : TasksByHost(data)) {
    j["hosts"].push_back({{"host", host}, {"tasks", tasks}});
  }
  j["time"] = {{"makespan_s", s.makespan_s},
               {"task_wall_s", s.task_wall_s},
               {"speedup", s.speedup},
               {"startup_s", s.startup_s},
               {"speedup_after_startup", s.speedup_after_startup},
               {"cpu_used_s", s.cpu_used_s},
               {"cpu_available_s", s.cpu_available_s},
               {"utilization", s.utilization},
               {"sessions", data.sessions}};
  j["runtime_s"] = DistributionJson(s.runtime_s);
  if (data.settings.stages.size() > 1) j["stages"] = StagesJson(data, s);
  if (s.worker_startup_s.count > 0) {
    j["workers"] = {{"started", s.worker_startup_s.count},
                    {"startup_s", DistributionJson(s.worker_startup_s)}};
  }
  j["peak_rss_kib"] = DistributionJson(s.rss_kib);
  j["slowest"] = nlohmann::json::array();
  for (const AttemptData& a : s.slowest) j["slowest"].push_back(AttemptJson(a));
  j["failures"] = nlohmann::json::array();
  for (const AttemptData& a : s.failures) j["failures"].push_back(AttemptJson(a));
  j["failures_left_out"] = s.failures_left_out;
  const RunSettings& c = data.settings;
  if (c.known) {
    j["configuration"] = {{"slots", SettingJson(c.slots)},
                          {"threads_per_task", SettingJson(c.threads_per_task)},
                          {"inputs_per_invocation", SettingJson(c.inputs_per_invocation)},
                          {"usable_cpus", SettingJson(c.usable_cpus)},
                          {"mem_per_task_bytes", c.mem_per_task},
                          {"bind", c.bind},
                          {"worker", c.worker}};
  } else {
    j["configuration"] = nullptr;
  }
  return j;
}

}  // namespace coreflow
