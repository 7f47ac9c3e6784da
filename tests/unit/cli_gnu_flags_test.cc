#include "cli/gnu_flags.h"

#include <gtest/gtest.h>

#include "cli/run_command.h"

namespace coreflow {
namespace {

TEST(GnuFlagsTest, SuggestsTheNearestOptionForASlip) {
  CLI::App app("test", "coreflow");
  RunOptions flags;
  CLI::App* run = AddRunCommand(app, &flags);
  EXPECT_EQ(NearestOption(*run, "--keeporder"), "--keep-order");
  EXPECT_EQ(NearestOption(*run, "--jbos"), "--jobs");
  EXPECT_EQ(NearestOption(*run, "--timout=5"), "--timeout");
  EXPECT_EQ(NearestOption(*run, "--completely-different"), "");
  EXPECT_EQ(NearestOption(*run, "-x"), "");
}

TEST(GnuFlagsTest, SuggestsTheNearestCommand) {
  CLI::App app("test", "coreflow");
  RunOptions flags;
  AddRunCommand(app, &flags);
  app.add_subcommand("report", "");
  EXPECT_EQ(NearestCommand(app, "rnu"), "run");
  EXPECT_EQ(NearestCommand(app, "reprot"), "report");
  EXPECT_EQ(NearestCommand(app, "echo"), "");
}

TEST(GnuFlagsTest, GnuOptionsWeLeaveOutSayWhatToUse) {
  EXPECT_NE(GnuOptionHint("--pipe").find("split"), std::string::npos);
  EXPECT_NE(GnuOptionHint("--env=X").find("export"), std::string::npos);
  EXPECT_NE(GnuOptionHint("-S"), "");
  EXPECT_EQ(GnuOptionHint("--keep-order"), "");
}

TEST(GnuFlagsTest, ThreadsAndCountsAreParsedWithClearMessages) {
  CLI::App app("test", "coreflow");
  RunOptions flags;
  AddRunCommand(app, &flags);
  app.parse("run -s 1k -n 2K -t 3 true", false);
  EXPECT_EQ(flags.max_chars, 1000);
  EXPECT_EQ(flags.max_args, 2048);
  EXPECT_EQ(flags.threads, 3);
  RunOptions again;
  CLI::App app2("test", "coreflow");
  AddRunCommand(app2, &again);
  try {
    app2.parse("run -t echo true", false);
    ADD_FAILURE() << "-t echo parsed";
  } catch (const CLI::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("--verbose"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace coreflow
