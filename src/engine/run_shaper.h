#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/observer.h"

namespace coreflow {

// How many tasks run at once, with how many threads and inputs each, on which CPUs: what an
// online tuner may change while a run goes on (RunShaper::Reshape).
struct RunShape {
  int slots = 1;     // 0 pauses (running tasks finish, none start) and leaves the rest as it is
  int threads = 0;   // threads per task; 0 leaves it as it is
  size_t batch = 0;  // -N's inputs per command; 0 leaves it
  std::vector<std::vector<int>> slot_cpus;  // --bind's CPUs per slot; empty: no pinning
  std::vector<std::string> params;          // --tune-param values, in order; empty leaves them
};

// What an online tuner reads of a run and changes in it. The engine is one; keeping the tuner
// to this lets tests drive it without processes.
class RunShaper {
 public:
  virtual ~RunShaper() = default;

  virtual RunTotals totals() const = 0;
  virtual int slots() const = 0;
  virtual int threads_per_task() const = 0;
  // Changes the shape of the run for every task that starts from now on; those running go on
  // as they are. Safe to call from an observer.
  virtual void Reshape(const RunShape& shape) = 0;
};

}  // namespace coreflow
