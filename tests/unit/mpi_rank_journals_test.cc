#include "mpi/rank_journals.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;
using Paths = std::vector<std::string>;

TEST(RankJournalsTest, ListsEachRanksJournalInRankOrder) {
  ScratchDir dir("ranks");
  for (const char* name :
       {"run.log", "run.log.rank-10", "run.log.rank-2", "run.log.rank-0", "run.log.rank-x",
        "run.log.rank-", "other.log.rank-1", "run.log.rank-1.tmp.5"}) {
    dir.Write(name, "");
  }
  std::string journal = dir.path() + "/run.log";
  Paths found;
  ASSERT_EQ(ListRankJournals(journal, &found), 0);
  EXPECT_EQ(found, (Paths{journal + ".rank-0", journal + ".rank-2", journal + ".rank-10"}));
  EXPECT_EQ(RankJournal(journal, 2), found[1]);
  ASSERT_EQ(ListRankJournals(dir.path() + "/none/run.log", &found), 0);
  EXPECT_TRUE(found.empty());
}

TEST(RankJournalsTest, AResumeReadsTheJournalAndEveryOtherRanks) {
  Paths existing = {"j.rank-0", "j.rank-1", "j.rank-7"};
  RankJournalPlan plan = PlanRankJournals("j", 1, /*resume=*/true, /*exists=*/true, existing);
  EXPECT_EQ(plan.own, "j.rank-1");
  EXPECT_EQ(plan.resume_from, (Paths{"j", "j.rank-0", "j.rank-7"}));
  EXPECT_TRUE(plan.stale.empty());
  plan = PlanRankJournals("j", 3, true, false, existing);
  EXPECT_EQ(plan.resume_from, existing) << "no merged journal yet: a crash before the end";
}

TEST(RankJournalsTest, AFreshRunLeavesNothingOfAnEarlierOneToResume) {
  RankJournalPlan plan = PlanRankJournals("j", 0, false, true, {"j.rank-0", "j.rank-5"});
  EXPECT_EQ(plan.own, "j.rank-0");
  EXPECT_TRUE(plan.resume_from.empty());
  EXPECT_EQ(plan.stale, Paths{"j.rank-5"});
}

}  // namespace
}  // namespace coreflow
