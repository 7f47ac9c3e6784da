#include "mpi/launch_check.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

TEST(LaunchCheckTest, AJobOfOneThatTheLauncherStartedManyTimesIsAnError) {
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

TEST(LaunchCheckTest, RightLaunchesPass) {
  EXPECT_EQ(CheckLaunch(3, Environment({"OMPI_COMM_WORLD_SIZE=3"}), "Open MPI"), "");
  EXPECT_EQ(CheckLaunch(1, Environment({"PMI_SIZE=1"}), "MPICH"), "") << "mpirun -n 1";
  EXPECT_EQ(CheckLaunch(1, Environment(), "MPICH"), "") << "started alone: a job of one";
  EXPECT_EQ(CheckLaunch(1, Environment({"SLURM_STEP_NUM_TASKS=x"}), "MPICH"), "");
}

}  // namespace
}  // namespace coreflow
