#pragma once

namespace coreflow {

struct RunHooks;

// The `coreflow` command line: parses argv and calls the library. Returns the exit status.
// coreflow-mpi passes its `hooks` for `run`.
int Main(int argc, char** argv, const RunHooks* hooks = nullptr);

}  // namespace coreflow
