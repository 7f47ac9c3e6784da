#pragma once

#include <string>

#include "base/environment.h"

namespace coreflow {

// The first executable file `program` in $PATH's directories, or "".
std::string FindOnPath(const Environment& env, const std::string& program);

// PREFIX/bin/`program`, where the shared object holding `address` is PREFIX/lib/... (one or
// two levels down, as lib/ and lib/x86_64-linux-gnu/ are), or "".
std::string ProgramBesideObject(const void* address, const std::string& program);

}  // namespace coreflow
