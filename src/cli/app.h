#pragma once

namespace coreflow {

// The `coreflow` command line: parses argv and calls the library. Returns the exit status.
int Main(int argc, char** argv);

}  // namespace coreflow
