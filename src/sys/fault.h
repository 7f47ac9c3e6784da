#pragma once

#include <string>
#include <string_view>

namespace coreflow {

// Where a test can make a system call fail on purpose, to prove coreflow survives it.
enum class FaultSite { kSpawn, kJournalWrite, kSpillWrite };

// Reads a fault plan such as "spawn=EAGAIN@3+5,journal=ENOSPC@10": the 3rd to 7th spawns fail
// with EAGAIN, every journal write from the 10th on fails with ENOSPC. Sites: spawn, journal,
// spill; errors: EAGAIN, EMFILE, ENFILE, ENOMEM, ENOSPC, EIO. False with *err on a bad plan.
bool ConfigureFaults(std::string_view plan, std::string* err);

// The errno this call at `site` must fail with, or 0 (always 0 without a plan).
int InjectedFault(FaultSite site);

}  // namespace coreflow
