#include "mpi/launcher.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

TEST(LauncherTest, AJobOfOneThatTheLauncherStartedManyTimesIsAnError) {
  Environment env({"OMPI_COMM_WORLD_SIZE=3"});
  std::string why = CheckLaunch(1, env, "MPICH");
  EXPECT_NE(why.find("Open MPI's mpirun started 3 processes (OMPI_COMM_WORLD_SIZE=3)"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("built with MPICH"), std::string::npos) << why;
  EXPECT_NE(CheckLaunch(1, Environment({"PMI_SIZE=2"}), "Open MPI").find("Hydra"),
            std::string::npos);
  EXPECT_NE(CheckLaunch(1, Environment({"SLURM_STEP_NUM_TASKS=4"}), "MPICH").find("srun"),
            std::string::npos);
}

TEST(LauncherTest, RightLaunchesPass) {
  EXPECT_EQ(CheckLaunch(3, Environment({"OMPI_COMM_WORLD_SIZE=3"}), "Open MPI"), "");
  EXPECT_EQ(CheckLaunch(1, Environment({"PMI_SIZE=1"}), "MPICH"), "") << "mpirun -n 1";
  EXPECT_EQ(CheckLaunch(1, Environment(), "MPICH"), "") << "started alone: a job of one";
  EXPECT_EQ(CheckLaunch(1, Environment({"SLURM_STEP_NUM_TASKS=x"}), "MPICH"), "");
}

TEST(LauncherTest, TasksSeeNoLauncherButTheirRank) {
  Environment env({"PMI_FD=5", "PMI_RANK=1", "PMI_SIZE=2", "HYDI_CONTROL_FD=7", "MPI_LOCALRANKID=1",
                   "PMIX_NAMESPACE=x", "PMIX_SERVER_URI41=y", "OMPI_COMM_WORLD_RANK=1",
                   "OMPI_MCA_orte_hnp_uri=z", "OMPI_MCA_ess=pmi", "OMPI_MCA_btl=^openib",
                   "MPIR_CVAR_CH3_INTERFACE_HOSTNAME=n1", "OMPI_ALLOW_RUN_AS_ROOT=1",
                   "SLURM_PROCID=1", "PATH=/bin"});
  HideLauncher(&env, 1, 2);
  EXPECT_EQ(env.Entries(), (std::vector<std::string>{
                               "COREFLOW_RANK=1", "COREFLOW_RANKS=2",
                               "MPIR_CVAR_CH3_INTERFACE_HOSTNAME=n1", "OMPI_ALLOW_RUN_AS_ROOT=1",
                               "OMPI_MCA_btl=^openib", "PATH=/bin", "SLURM_PROCID=1"}));
}

}  // namespace
}  // namespace coreflow
