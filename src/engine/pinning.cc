#include "engine/pinning.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>

namespace coreflow {
namespace {

// The PUs of one physical core, and where the core sits.
struct Core {
  int numa = 0;
  int l3 = 0;
  std::vector<int> pus;  // kernel numbers
};

std::vector<Core> CoresInOrder(const Topology& t) {
  std::map<std::tuple<int, int, int>, Core> by_key;  // (numa, l3, core): the walk order
  for (const ProcessingUnit& pu : t.pus) {
    Core& c = by_key[{pu.numa, pu.l3, pu.core}];
    c.numa = pu.numa;
    c.l3 = pu.l3;
    c.pus.push_back(pu.os_index);
  }
  std::vector<Core> cores;
  for (auto& [key, core] : by_key) cores.push_back(std::move(core));
  return cores;
}

// Makes slots of `per_slot` consecutive cores from `cores` (indexes into `all`) while slots
// are missing; returns the cores left over.
std::vector<size_t> Take(const std::vector<Core>& all, const std::vector<size_t>& cores,
                         size_t per_slot, size_t slots, std::vector<std::vector<int>>* out) {
  size_t used = 0;
  while (cores.size() - used >= per_slot && out->size() < slots) {
    std::vector<int>& slot = out->emplace_back();
    for (size_t k = 0; k < per_slot; ++k) {
      const Core& c = all[cores[used + k]];
      slot.insert(slot.end(), c.pus.begin(), c.pus.end());
    }
    used += per_slot;
  }
  return {cores.begin() + static_cast<std::ptrdiff_t>(used), cores.end()};
}

}  // namespace

std::vector<std::vector<int>> CarveSlots(const Topology& topology, int slots) {
  if (slots < 1 || topology.pus.empty()) return {};
  std::vector<Core> cores = CoresInOrder(topology);
  auto n = static_cast<int>(cores.size());
  if (slots <= n) {
    // Slots inside an L3 group first, then inside a NUMA node from what its L3 groups left,
    // then from what is left anywhere.
    auto per_slot = static_cast<size_t>(n / slots);
    auto want = static_cast<size_t>(slots);
    std::vector<std::vector<int>> out;
    std::vector<size_t> anywhere, in_numa, in_l3;
    for (size_t i = 0; i <= cores.size(); ++i) {
      bool end = i == cores.size();
      bool new_l3 =
          end || (i > 0 && (cores[i].numa != cores[i - 1].numa || cores[i].l3 != cores[i - 1].l3));
      bool new_numa = end || (i > 0 && cores[i].numa != cores[i - 1].numa);
      if (new_l3) {
        auto rest = Take(cores, in_l3, per_slot, want, &out);
        in_numa.insert(in_numa.end(), rest.begin(), rest.end());
        in_l3.clear();
      }
      if (new_numa) {
        auto rest = Take(cores, in_numa, per_slot, want, &out);
        anywhere.insert(anywhere.end(), rest.begin(), rest.end());
        in_numa.clear();
      }
      if (!end) in_l3.push_back(i);
    }
    Take(cores, anywhere, per_slot, want, &out);
    return out;
  }
  // More slots than cores: single PUs, siblings of a core to neighbouring slots; past the
  // number of PUs, round-robin.
  std::vector<int> pus;
  for (const Core& c : cores) pus.insert(pus.end(), c.pus.begin(), c.pus.end());
  std::vector<std::vector<int>> out(static_cast<size_t>(slots));
  for (int s = 0; s < slots; ++s) out[static_cast<size_t>(s)] = {pus[s % pus.size()]};
  return out;
}

}  // namespace coreflow
