#include "sys/fault.h"

#include <array>
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {
namespace {

struct SitePlan {
  int error = 0;  // 0: no fault planned here
  uint64_t first = 0;
  uint64_t count = 0;  // 0: from `first` on, for ever
  uint64_t calls = 0;
};

// Process-wide on purpose: a fault plan describes the whole process, set once at start-up.
std::array<SitePlan, 3> g_plans;
bool g_any = false;

bool ParseSite(std::string_view name, FaultSite* out) {
  if (name == "spawn")
    *out = FaultSite::kSpawn;
  else if (name == "journal")
    *out = FaultSite::kJournalWrite;
  else if (name == "spill")
    *out = FaultSite::kSpillWrite;
  else
    return false;
  return true;
}

int ParseErrno(std::string_view name) {
  if (name == "EAGAIN") return EAGAIN;
  if (name == "EMFILE") return EMFILE;
  if (name == "ENFILE") return ENFILE;
  if (name == "ENOMEM") return ENOMEM;
  if (name == "ENOSPC") return ENOSPC;
  if (name == "EIO") return EIO;
  return 0;
}

bool ParseEntry(std::string_view entry, std::array<SitePlan, 3>* plans, std::string* err) {
  auto bad = [&] {
    *err = fmt::format("bad fault '{}': expected SITE=ERRNO@FIRST[+COUNT]", entry);
    return false;
  };
  size_t eq = entry.find('=');
  size_t at = entry.find('@');
  if (eq == std::string_view::npos || at == std::string_view::npos || at < eq) return bad();
  FaultSite site;
  if (!ParseSite(entry.substr(0, eq), &site)) return bad();
  SitePlan plan;
  plan.error = ParseErrno(entry.substr(eq + 1, at - eq - 1));
  std::string_view range = entry.substr(at + 1);
  size_t plus = range.find('+');
  int64_t first = 0;
  int64_t count = 0;
  if (plan.error == 0 || !ParseInt(range.substr(0, plus), &first) || first < 1) return bad();
  if (plus != std::string_view::npos && (!ParseInt(range.substr(plus + 1), &count) || count < 1)) {
    return bad();
  }
  plan.first = static_cast<uint64_t>(first);
  plan.count = static_cast<uint64_t>(count);
  (*plans)[static_cast<size_t>(site)] = plan;
  return true;
}

}  // namespace

bool ConfigureFaults(std::string_view plan, std::string* err) {
  std::array<SitePlan, 3> plans{};
  bool any = false;
  while (!plan.empty()) {
    size_t comma = plan.find(',');
    std::string_view entry = plan.substr(0, comma);
    if (!entry.empty() && !ParseEntry(entry, &plans, err)) return false;  // nothing applied
    any = any || !entry.empty();
    plan = comma == std::string_view::npos ? std::string_view() : plan.substr(comma + 1);
  }
  g_plans = plans;
  g_any = any;
  return true;
}

int InjectedFault(FaultSite site) {
  if (!g_any) return 0;
  SitePlan& p = g_plans[static_cast<size_t>(site)];
  if (p.error == 0) return 0;
  uint64_t call = ++p.calls;
  bool hit = call >= p.first && (p.count == 0 || call < p.first + p.count);
  return hit ? p.error : 0;
}

}  // namespace coreflow
