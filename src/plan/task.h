#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace coreflow {

// The inputs of one task: one tuple of source values per input item (several when batched).
struct TaskInput {
  uint64_t seq = 0;  // 1-based, in input order: GNU parallel's {#}
  std::vector<std::vector<std::string>> items;
  bool ragged = false;  // items hold different numbers of values (--colsep rows): see NoteRagged
  // In a pipeline: the declared output paths of each earlier stage, by stage index (in a
  // gather stage, every item's of the group in turn); and the gather template's value.
  std::vector<std::vector<std::string>> stage_outputs;
  std::string group;
  std::string gpus;  // the ids of the GPUs the task holds now, comma-separated ({gpu})
  // --tune-param: each parameter's name and the value the task runs with ({param:NAME}).
  std::vector<std::pair<std::string, std::string>> params;
};

// Sets in->ragged once the batch's items are in: expansion then walks them to find a value.
inline void NoteRagged(TaskInput* in) {
  in->ragged = false;
  for (const auto& item : in->items) {
    if (item.size() != in->items[0].size()) in->ragged = true;
  }
}

// What to execute: argv[0] is looked up in PATH.
struct Command {
  std::vector<std::string> argv;
};

}  // namespace coreflow
