#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coreflow {

// The inputs of one task: one tuple of source values per input item (several when batched).
struct TaskInput {
  uint64_t seq = 0;  // 1-based, in input order: GNU parallel's {#}
  std::vector<std::vector<std::string>> items;
};

// What to execute: argv[0] is looked up in PATH.
struct Command {
  std::vector<std::string> argv;
};

}  // namespace coreflow
