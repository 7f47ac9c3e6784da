#pragma once

#include <string>
#include <string_view>

#include "base/environment.h"

namespace coreflow {

// What MPI's launchers (MPICH's Hydra, Open MPI's mpirun, srun's PMI plugins) tell the process
// they start: who it is in which job, and how to reach the launcher. Not meant for the tasks:
// a task that is itself an MPI program would take itself for a rank of coreflow-mpi's job and
// talk on its connection (MPICH's PMI fd), breaking the rank that ran it. Users' own settings
// (OMPI_MCA_btl, MPIR_CVAR_*) are not the launcher's and stay.
bool IsLauncherVariable(std::string_view name);

// The environment of a rank's tasks: without the launcher's variables, and with
// COREFLOW_RANK (0-based) and COREFLOW_RANKS, so that a task may still tell where it runs.
void HideLauncher(Environment* env, int rank, int ranks);

// A job of one rank whose launcher started several: each copy of coreflow-mpi would run every
// input. It happens when coreflow-mpi is started by another MPI's mpirun (MPICH's and Open
// MPI's do not know each other), or by `srun` without `--mpi=pmi2`. Returns the message to
// end with, or "" when the launch looks right.
std::string CheckLaunch(int size, const Environment& env, const std::string& built_with);

}  // namespace coreflow
