#pragma once

#include <string>
#include <vector>

#include "plan/pipeline.h"
#include "run/run_flags.h"

namespace coreflow {

// `coreflow run --stage-to DIR [--prefetch K] COMMAND ::: inputs`: the run becomes a pipeline
// of two stages, a staging stage that copies each input under DIR, then COMMAND with {} as the
// copy (with no replacement string, the copy is appended). The other replacement strings
// ({.} {/} {//} ...) still name the input, so outputs go where they would without staging.
// --outputs and -t move to the command's stage. `words` holds the command and its inputs; on
// return only the inputs. False with *err (a usage error) for what such a run cannot do.
bool PipelineFromStageTo(RunFlags* flags, std::vector<std::string>* words, PipelineSpec* spec,
                         std::string* err);

}  // namespace coreflow
