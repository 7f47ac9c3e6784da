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
  std::vector<std::string> params;  // --tune-param: each parameter's value, in TuneSpace order
  bool operator==(const TuneConfig& o) const {
    return threads == o.threads && slots == o.slots && batch == o.batch && bind == o.bind &&
           params == o.params;
  }
  // "-j 4 -t 2 -N 8 --bind", and "i_batch=16" for each parameter (names from `space_params`).
  std::string Describe(const std::vector<std::string>& param_names = {}) const;
};

// A parameter of the program itself that the tuner searches with the rest (--tune-param
// NAME=V1,V2,...): its values in the order given, the first being where the search starts.
struct TuneParam {
  std::string name;
  std::vector<std::string> values;
};

// --tune-param's text: NAME=V1,V2,... or NAME=A..B:xF (A, A*F, ... up to B) or NAME=A..B:+S
// (A, A+S, ... up to B), whole numbers. False with *err naming what is wrong.
bool ParseTuneParam(const std::string& text, TuneParam* out, std::string* err);

// What may vary, from the machine and the user's flags.
struct TuneSpace {
  int cores = 1;                  // usable cores
  std::vector<int> group_cores;   // cores per L3 group and per NUMA node: thread counts to try
  int max_slots = 0;              // memory's limit on tasks at once (0: none)
  size_t max_batch = 1;           // -N's k: batches up to it are tried (1: no batching)
  bool try_bind = false;          // pinning on and off are both tried
  bool bind = false;              // when not tried: whether it is on
  std::vector<TuneParam> params;  // the program's own, searched along with the rest
  std::vector<std::string> param_names() const;
};

// Thread counts to try: 1, 2, 4, ... up to the cores, and the sizes of the L3 groups and NUMA
// nodes, ascending and without repeats.
std::vector<int> ThreadChoices(const TuneSpace& space);
// Batch sizes to try: 1, 2, 4, ... up to max_batch, and max_batch itself.
std::vector<size_t> BatchChoices(const TuneSpace& space);
// The config for `threads` (slots derived from the cores and cut by memory); the parameters
// at their first values unless `params` are given.
TuneConfig MakeConfig(const TuneSpace& space, int threads, size_t batch, bool bind,
                      const std::vector<std::string>* params = nullptr);
// Where an untuned run starts: one thread per task, a slot per core, the largest batch.
TuneConfig DefaultConfig(const TuneSpace& space);

}  // namespace coreflow
