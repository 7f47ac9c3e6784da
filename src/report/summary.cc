#include "report/summary.h"

#include <cmath>

#include <fmt/format.h>

#include "report/units.h"

namespace coreflow {
namespace {

constexpr int kReportVersion = 1;
constexpr size_t kFailuresInSummary = 3;

std::string Plural(uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Why a final attempt failed, in a few words.
std::string Reason(const AttemptData& a) {
  if (a.outcome == "failed") return fmt::format("exit {}", a.exit_code);
  if (a.outcome == "signal") return fmt::format("signal {}", a.signal);
  if (a.outcome == "noexec") return "could not execute";
  return a.outcome;  // timeout, missing-output, over-memory, interrupted
}

std::string OutcomeCounts(const RunStats& s) {
  std::string text = fmt::format("{} ok", s.succeeded);
  for (const auto& [outcome, n] : s.final_outcomes) {
    if (outcome != "ok") text += fmt::format(", {} {}", n, outcome);
  }
  return text;
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
                      {"outcome", a.outcome},
                      {"exit_code", a.exit_code},
                      {"signal", a.signal},
                      {"start_s", a.start_s},
                      {"runtime_s", a.wall_s},
                      {"cpu_s", a.cpu_s},
                      {"max_rss_kib", a.max_rss_kib},
                      {"command", a.command}};
  if (!a.error.empty()) j["reason"] = a.error;
  return j;
}

}  // namespace

std::string DescribeConfiguration(const RunSettings& c) {
  if (!c.known) return "";
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
  std::string tasks = Plural(s.tasks, "task");
  if (s.inputs != s.tasks) tasks += fmt::format(" ({})", Plural(s.inputs, "input"));
  std::string first =
      fmt::format("coreflow: {} in {}: {}", tasks, FormatDuration(s.makespan_s), OutcomeCounts(s));
  if (s.skipped > 0) first += fmt::format("; {} skipped", s.skipped);
  if (s.retried > 0) first += fmt::format("; {} retried", Plural(s.retried, "attempt"));
  if (data.cut_short > 0) first += fmt::format("; {} cut short", data.cut_short);
  if (!data.complete) first += " (the run did not finish)";
  std::string out = first + "\n";
  if (s.tasks == 0) return out;

  std::string second = fmt::format("coreflow: {:.1f}x faster than one at a time", s.speedup);
  if (s.cpu_available_s > 0) {
    second += fmt::format(", CPUs {:.0f}% busy", s.utilization * 100);
  }
  second += fmt::format("; runtime p50 {}, p99 {}, max {}", FormatDuration(s.runtime_s.p50),
                        FormatDuration(s.runtime_s.p99), FormatDuration(s.runtime_s.max));
  if (s.rss_kib.max > 0) {
    second += fmt::format("; peak memory p50 {}, max {}", FormatKib(s.rss_kib.p50),
                          FormatKib(s.rss_kib.max));
  }
  out += second + "\n";
  if (s.worker_startup_s.count > 0) {
    out +=
        fmt::format("coreflow: {} started, start-up p50 {}, max {} (not counted in task times)\n",
                    Plural(s.worker_startup_s.count, "worker"),
                    FormatDuration(s.worker_startup_s.p50), FormatDuration(s.worker_startup_s.max));
  }
  if (!s.failures.empty()) {
    std::string third = "coreflow: failed:";
    for (size_t i = 0; i < s.failures.size() && i < kFailuresInSummary; ++i) {
      const AttemptData& a = s.failures[i];
      third += fmt::format("{} task {} ({})", i == 0 ? "" : ",", a.seq, Reason(a));
    }
    uint64_t more = s.failed > kFailuresInSummary ? s.failed - kFailuresInSummary : 0;
    if (more > 0) third += fmt::format(" and {} more", more);
    out += third + "\n";
  }
  if (std::string how = DescribeConfiguration(data.settings); !how.empty()) {
    out += "coreflow: ran with " + how + "\n";  // what was used, and why
  }
  return out;
}

nlohmann::json ReportJson(const RunData& data, const RunStats& s) {
  nlohmann::json j;
  j["coreflow_report"] = kReportVersion;
  j["complete"] = data.complete;
  j["exit_status"] = data.exit_status ? nlohmann::json(*data.exit_status) : nlohmann::json();
  j["command_template"] = data.settings.command_template;
  nlohmann::json by_outcome = nlohmann::json::object();
  for (const auto& [outcome, n] : s.final_outcomes) by_outcome[outcome] = n;
  j["counts"] = {{"tasks", s.tasks},     {"inputs", s.inputs},          {"succeeded", s.succeeded},
                 {"failed", s.failed},   {"skipped", s.skipped},        {"attempts", s.attempts},
                 {"retried", s.retried}, {"cut_short", data.cut_short}, {"by_outcome", by_outcome}};
  if (data.total_tasks > 0) j["counts"]["total"] = data.total_tasks;
  j["time"] = {{"makespan_s", s.makespan_s},
               {"task_wall_s", s.task_wall_s},
               {"speedup", s.speedup},
               {"cpu_used_s", s.cpu_used_s},
               {"cpu_available_s", s.cpu_available_s},
               {"utilization", s.utilization},
               {"sessions", data.sessions}};
  j["runtime_s"] = DistributionJson(s.runtime_s);
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
