#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace coreflow {

// One way to run a job: what the tuner measures and chooses among.
struct TuneConfig {
  int threads = 1;   // per task
  int slots = 1;     // tasks at once: cores / threads, cut by memory
  size_t batch = 1;  // inputs per command (-N's k)
  bool bind = false;
  bool operator==(const TuneConfig& o) const {
    return threads == o.threads && slots == o.slots && batch == o.batch && bind == o.bind;
  }
  std::string Describe() const;  // "-j 4 -t 2 -N 8 --bind"
};

// What may vary, from the machine and the user's flags.
struct TuneSpace {
  int cores = 1;                 // usable cores
  std::vector<int> group_cores;  // cores per L3 group and per NUMA node: thread counts to try
  int max_slots = 0;             // memory's limit on tasks at once (0: none)
  size_t max_batch = 1;          // -N's k: batches up to it are tried (1: no batching)
  bool try_bind = false;         // pinning on and off are both tried
  bool bind = false;             // when not tried: whether it is on
};

// Thread counts to try: 1, 2, 4, ... up to the cores, and the sizes of the L3 groups and NUMA
// nodes, ascending and without repeats.
std::vector<int> ThreadChoices(const TuneSpace& space);
// Batch sizes to try: 1, 2, 4, ... up to max_batch, and max_batch itself.
std::vector<size_t> BatchChoices(const TuneSpace& space);
// The config for `threads` (slots derived from the cores and cut by memory).
TuneConfig MakeConfig(const TuneSpace& space, int threads, size_t batch, bool bind);
// Where an untuned run starts: one thread per task, a slot per core, the largest batch.
TuneConfig DefaultConfig(const TuneSpace& space);

}  // namespace coreflow
