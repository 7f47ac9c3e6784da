#pragma once

#include <string>
#include <vector>

#include "inputs/combine.h"

namespace coreflow {

struct CommandAndSources {
  std::vector<std::string> command;  // the command template's words
  std::vector<SourceSpec> sources;   // in the order given
};

// Splits what follows the options: `CMD ARGS... ::: a b :::+ c d :::: file1 file2 ::::+ f3`.
// After `::::` every word is a file and a source of its own, as in GNU parallel; after `::::+`
// each of those files is linked.
bool SplitCommandAndSources(const std::vector<std::string>& words, CommandAndSources* out,
                            std::string* err);

// True for `:::`, `:::+`, `::::` and `::::+`.
bool IsSourceSeparator(const std::string& word);

}  // namespace coreflow
