#include "report/timeline_rows.h"

#include <algorithm>

#include <fmt/format.h>

namespace coreflow {

size_t TimelineRows::Group(const AttemptData& a) const {
  auto stage = static_cast<size_t>(std::max(a.stage, 0));
  auto host = host_index.find(a.host);
  return stage * host_index.size() + (host == host_index.end() ? 0 : host->second);
}

int TimelineRows::Row(const AttemptData& a) const {
  size_t g = Group(a);
  return (g < first.size() ? first[g] : 0) + a.slot;
}

TimelineRows RowsOf(const RunData& data, const std::vector<size_t>& rows) {
  TimelineRows t;
  std::vector<std::string> hosts;
  for (size_t i : rows) {
    if (t.host_index.emplace(data.attempts[i].host, hosts.size()).second) {
      hosts.push_back(data.attempts[i].host);
    }
  }
  if (hosts.empty()) {
    t.host_index[""] = 0;
    hosts.emplace_back();
  }
  const std::vector<std::string>& stages = data.settings.stages;
  size_t num_stages = std::max<size_t>(stages.size(), 1);
  for (size_t i : rows) {
    num_stages = std::max(num_stages, static_cast<size_t>(std::max(data.attempts[i].stage, 0)) + 1);
  }
  std::vector<int> slots(num_stages * hosts.size(), 0);
  for (size_t i : rows) {
    size_t g = t.Group(data.attempts[i]);
    slots[g] = std::max(slots[g], data.attempts[i].slot);
  }
  bool named = stages.size() > 1 || hosts.size() > 1;
  for (size_t g = 0; g < slots.size(); ++g) {
    t.first.push_back(t.count);
    t.count += slots[g];
    if (!named) continue;
    size_t k = g / hosts.size();
    std::string name;
    if (stages.size() > 1) name = k < stages.size() ? stages[k] : std::to_string(k + 1);
    if (hosts.size() > 1) name += (name.empty() ? "" : " ") + hosts[g % hosts.size()];
    for (int slot = 1; slot <= slots[g]; ++slot) {
      t.labels.push_back(fmt::format("{} {}", name, slot));
    }
  }
  return t;
}

}  // namespace coreflow
