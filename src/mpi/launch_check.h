#pragma once

#include <string>

#include "base/environment.h"

namespace coreflow {

// A job of one rank whose launcher started several: each copy of coreflow-mpi would run every
// input. It happens when coreflow-mpi is started by another MPI's mpirun (MPICH's and Open
// MPI's do not know each other), or by `srun` without `--mpi=pmi2`. Returns the message to
// end with, or "" when the launch looks right.
std::string CheckLaunch(int size, const Environment& env, const std::string& built_with);

}  // namespace coreflow
