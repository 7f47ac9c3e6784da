#pragma once

#include <vector>

#include "base/cpu_list.h"
#include "sys/topology.h"

namespace coreflow {

// --bind: the CPUs (kernel numbers) each slot's tasks may run on, one list per slot.
//
// Slots get disjoint sets of whole cores — SMT siblings stay together — taken walking the
// machine NUMA node by NUMA node, L3 group by L3 group, so that a slot that fits in one L3
// group (or NUMA node) never straddles two. Each slot gets cores / slots cores (at least one);
// cores left over stay unused rather than make one slot bigger than the others. With more
// slots than cores, slots get single PUs (SMT siblings then serve different slots), and with
// more slots than PUs, PUs are shared round-robin.
std::vector<std::vector<int>> CarveSlots(const Topology& topology, int slots);

}  // namespace coreflow
