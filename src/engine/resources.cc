#include "engine/resources.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/parse.h"
#include "base/plural.h"

namespace coreflow {

bool ParseJobs(std::string_view text, JobsSpec* out, std::string* err) {
  auto bad = [&] {
    *err = fmt::format("-j '{}' is not a slot count; use N, N%, +N, -N or 0", text);
    return false;
  };
  if (text.empty()) return bad();
  JobsSpec spec;
  std::string_view number = text;
  if (text.back() == '%') {
    spec.kind = JobsSpec::Kind::kPercent;
    number.remove_suffix(1);
  } else if (text[0] == '+' || text[0] == '-') {
    spec.kind = JobsSpec::Kind::kRelative;
    number.remove_prefix(1);
  }
  // ParseDouble takes a sign of its own; one sign is all -j has ("-+1" is a typo, not -1).
  if (!number.empty() && (number[0] == '+' || number[0] == '-')) return bad();
  double v = 0;
  if (!ParseDouble(number, &v)) return bad();
  if (spec.kind == JobsSpec::Kind::kAbsolute) {
    if (v != std::floor(v)) return bad();
    if (v == 0) spec.kind = JobsSpec::Kind::kMax;
  }
  if (spec.kind == JobsSpec::Kind::kPercent && v <= 0) return bad();
  spec.value = (text[0] == '-') ? -v : v;
  *out = spec;
  return true;
}

ResourcePlan PlanResources(const std::optional<JobsSpec>& jobs, int threads_flag,
                           const CpuBudget& cpus) {
  ResourcePlan plan;
  int cores = std::max(1, cpus.usable);
  std::string cores_text =
      fmt::format("{} ({})", Plural(cores, "usable core", "usable cores"), cpus.limited_by);
  if (jobs) {
    double slots = 0;
    switch (jobs->kind) {
      case JobsSpec::Kind::kAbsolute:
        slots = jobs->value;
        break;
      case JobsSpec::Kind::kPercent:
        slots = std::floor(cores * jobs->value / 100.0);
        break;
      case JobsSpec::Kind::kRelative:
        slots = cores + jobs->value;
        break;
      case JobsSpec::Kind::kMax:
        slots = kMaxSlotsForJobsZero;
        break;
    }
    plan.slots = static_cast<int>(std::clamp(slots, 1.0, 1e6));
    plan.slots_source = jobs->kind == JobsSpec::Kind::kAbsolute ? "-j" : "-j of " + cores_text;
  } else if (threads_flag > 0) {
    plan.slots = std::max(1, cores / threads_flag);
    plan.slots_source = fmt::format("{} / {} per task", cores_text, Plural(threads_flag, "thread"));
  } else {
    plan.slots = cores;
    plan.slots_source = cores_text;
  }
  if (threads_flag > 0) {
    plan.threads = threads_flag;
    plan.threads_source = "-t";
  } else {
    plan.threads = std::max(1, cores / plan.slots);
    plan.threads_source = fmt::format("{} / {}", Plural(cores, "core"), Plural(plan.slots, "slot"));
  }
  // -j 0 asks for oversubscription on purpose (tasks that mostly wait), so it is not warned.
  bool max_slots = jobs && jobs->kind == JobsSpec::Kind::kMax;
  plan.oversubscribed = !max_slots && static_cast<int64_t>(plan.slots) * plan.threads > cores;
  return plan;
}

std::string OversubscriptionWarning(const ResourcePlan& plan, const CpuBudget& cpus) {
  if (!plan.oversubscribed) return "";
  return fmt::format("{} x {} per task = {} on {} (limited by {}); tasks will compete for cores",
                     Plural(plan.slots, "slot"), Plural(plan.threads, "thread"),
                     Plural(static_cast<int64_t>(plan.slots) * plan.threads, "thread"),
                     Plural(cpus.usable, "usable core", "usable cores"), cpus.limited_by);
}

bool CapSlotsByMemory(uint64_t per_task, uint64_t usable, const std::string& usable_source,
                      ResourcePlan* plan, std::string* err) {
  if (per_task == 0) return true;
  uint64_t fit = usable / per_task;
  auto gib = [](uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024 * 1024); };
  if (fit == 0) {
    *err = fmt::format(
        "--mem-per-task {:.2f} GiB does not fit: only {:.2f} GiB is usable ({}); lower it or "
        "ask for more memory",
        gib(per_task), gib(usable), usable_source.empty() ? "unknown" : usable_source);
    return false;
  }
  if (fit < static_cast<uint64_t>(plan->slots)) {
    plan->slots = static_cast<int>(fit);
    plan->slots_source = fmt::format("{} x --mem-per-task fit in {:.2f} GiB usable ({})", fit,
                                     gib(usable), usable_source);
  }
  return true;
}

}  // namespace coreflow
