#pragma once

// A pipeline as a TOML table, however it was made: parsed from a file, or built from the C++
// API's coreflow::Pipeline (plan/pipeline_code.cc), so that both get the same checks.
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "plan/pipeline.h"

namespace coreflow {

// LoadPipeline's reading and checks, on a table; a node without a source line (one built in
// code) gives a message without one.
bool ReadPipelineTable(const toml::table& root, std::string_view origin, PipelineSpec* out,
                       std::string* err);

}  // namespace coreflow
