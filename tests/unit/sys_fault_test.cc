#include "sys/fault.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

namespace coreflow {
namespace {

// The plan is process-wide: every test starts and ends without one.
class FaultPlanTest : public testing::Test {
 protected:
  void SetUp() override { Configure(""); }
  void TearDown() override { Configure(""); }

  static void Configure(std::string_view plan) {
    std::string err;
    ASSERT_TRUE(ConfigureFaults(plan, &err)) << plan << ": " << err;
    EXPECT_EQ(err, "");
  }

  static std::string PlanError(std::string_view plan) {
    std::string err;
    EXPECT_FALSE(ConfigureFaults(plan, &err)) << plan;
    return err;
  }

  // The results of the next `n` calls at `site`.
  static std::vector<int> Calls(FaultSite site, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(InjectedFault(site));
    return out;
  }

  std::string plan_err_;
};

TEST_F(FaultPlanTest, NoPlanNeverFails) {
  EXPECT_EQ(Calls(FaultSite::kSpawn, 100), std::vector<int>(100, 0));
  EXPECT_EQ(Calls(FaultSite::kJournalWrite, 100), std::vector<int>(100, 0));
  EXPECT_EQ(Calls(FaultSite::kSpillWrite, 100), std::vector<int>(100, 0));
}

TEST_F(FaultPlanTest, EveryErrnoName) {
  struct Case {
    const char* name;
    int error;
  };
  for (const Case& c : {Case{"EAGAIN", EAGAIN}, Case{"EMFILE", EMFILE}, Case{"ENFILE", ENFILE},
                        Case{"ENOMEM", ENOMEM}, Case{"ENOSPC", ENOSPC}, Case{"EIO", EIO}}) {
    Configure(std::string("spill=") + c.name + "@1");
    EXPECT_EQ(InjectedFault(FaultSite::kSpillWrite), c.error) << c.name;
  }
}

TEST_F(FaultPlanTest, EverySiteName) {
  Configure("spawn=EAGAIN@1+1");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 2), (std::vector<int>{EAGAIN, 0}));
  Configure("journal=ENOSPC@1+1");
  EXPECT_EQ(Calls(FaultSite::kJournalWrite, 2), (std::vector<int>{ENOSPC, 0}));
  Configure("spill=EIO@1+1");
  EXPECT_EQ(Calls(FaultSite::kSpillWrite, 2), (std::vector<int>{EIO, 0}));
}

TEST_F(FaultPlanTest, RangeFailsExactlyThoseCalls) {
  // "@3+2": the 3rd and 4th calls fail, no others.
  Configure("spawn=EAGAIN@3+2");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 10),
            (std::vector<int>{0, 0, EAGAIN, EAGAIN, 0, 0, 0, 0, 0, 0}));
}

TEST_F(FaultPlanTest, WithoutCountEveryCallFromFirstOnFails) {
  Configure("journal=ENOSPC@4");
  std::vector<int> want(200, ENOSPC);
  want[0] = want[1] = want[2] = 0;
  EXPECT_EQ(Calls(FaultSite::kJournalWrite, 200), want);
}

TEST_F(FaultPlanTest, SitesAreIndependent) {
  // Each site counts its own calls; a site without a plan never fails.
  Configure("spawn=EAGAIN@2+1,journal=EIO@1+2");
  EXPECT_EQ(Calls(FaultSite::kJournalWrite, 4), (std::vector<int>{EIO, EIO, 0, 0}));
  EXPECT_EQ(Calls(FaultSite::kSpillWrite, 5), std::vector<int>(5, 0));
  EXPECT_EQ(Calls(FaultSite::kSpawn, 3), (std::vector<int>{0, EAGAIN, 0}));
}

TEST_F(FaultPlanTest, EmptyPlanDisables) {
  Configure("spawn=EAGAIN@1");
  EXPECT_EQ(InjectedFault(FaultSite::kSpawn), EAGAIN);
  Configure("");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 10), std::vector<int>(10, 0));
  Configure(",,");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 10), std::vector<int>(10, 0));
}

TEST_F(FaultPlanTest, ReconfiguringRestartsTheCount) {
  Configure("spawn=EAGAIN@2+1");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 1), (std::vector<int>{0}));
  Configure("spawn=EAGAIN@2+1");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 3), (std::vector<int>{0, EAGAIN, 0}));
}

TEST_F(FaultPlanTest, ReconfiguringDropsOtherSites) {
  Configure("spawn=EAGAIN@1,journal=EIO@1");
  Configure("journal=EIO@1");
  EXPECT_EQ(InjectedFault(FaultSite::kSpawn), 0);
  EXPECT_EQ(InjectedFault(FaultSite::kJournalWrite), EIO);
}

TEST_F(FaultPlanTest, EmptyEntriesAreIgnored) {
  Configure(",spawn=EAGAIN@2+1,,");
  EXPECT_EQ(Calls(FaultSite::kSpawn, 3), (std::vector<int>{0, EAGAIN, 0}));
}

TEST_F(FaultPlanTest, BadPlansNameTheBadEntry) {
  const std::vector<std::string> bad = {
      "spawn",               // nothing else
      "spawn=EAGAIN",        // no '@'
      "spawn@1=EAGAIN",      // '@' before '='
      "fork=EAGAIN@1",       // unknown site
      "Spawn=EAGAIN@1",      // names are case-sensitive
      "=EAGAIN@1",           // no site
      "spawn=EPERM@1",       // errno not offered
      "spawn=eagain@1",      //
      "spawn=@1",            // no errno
      "spawn=EAGAIN@0",      // calls count from 1
      "spawn=EAGAIN@-1",     //
      "spawn=EAGAIN@",       // no first call
      "spawn=EAGAIN@x",      //
      "spawn=EAGAIN@1+0",    // an empty range
      "spawn=EAGAIN@1+",     //
      "spawn=EAGAIN@1+x",    //
      "spawn=EAGAIN@1+-2",   //
      "spawn=EAGAIN@1+2+3",  //
      "spawn=EAGAIN@1 ",     // no blanks
      " spawn=EAGAIN@1",     //
  };
  for (const std::string& entry : bad) {
    EXPECT_EQ(PlanError(entry), "bad fault '" + entry + "': expected SITE=ERRNO@FIRST[+COUNT]");
  }
}

TEST_F(FaultPlanTest, BadEntryAmongGoodOnes) {
  EXPECT_EQ(PlanError("spawn=EAGAIN@1,journal=EIO,spill=EIO@1"),
            "bad fault 'journal=EIO': expected SITE=ERRNO@FIRST[+COUNT]");
}

TEST_F(FaultPlanTest, RejectedPlanInjectsNothing) {
  EXPECT_FALSE(ConfigureFaults("spawn=EAGAIN@1,bogus", &plan_err_));
  EXPECT_EQ(Calls(FaultSite::kSpawn, 3), std::vector<int>(3, 0));
}

}  // namespace
}  // namespace coreflow
