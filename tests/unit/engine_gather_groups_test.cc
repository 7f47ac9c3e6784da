#include "engine/gather_groups.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

GroupMember Member(uint64_t seq) {
  GroupMember m;
  m.seq = seq;
  m.values = {std::to_string(seq)};
  return m;
}

TEST(GatherGroups, AGroupSettlesWhenTheInputsEndAndEveryItemArrived) {
  GatherGroups g(0);
  std::vector<SettledGroup> out;
  g.Expect("a");
  g.Expect("b");
  g.Expect("a");
  g.Arrive("a", Member(3), &out);
  g.Arrive("a", Member(1), &out);
  EXPECT_TRUE(out.empty());  // more items of 'a' may still be read
  EXPECT_EQ(g.parked(), 2u);
  g.InputsEnded(&out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "a");
  EXPECT_EQ(out[0].number, 1u);
  ASSERT_EQ(out[0].members.size(), 2u);
  EXPECT_EQ(out[0].members[0].seq, 1u);  // in input order, not arrival order
  EXPECT_EQ(out[0].members[1].seq, 3u);
  EXPECT_EQ(g.parked(), 0u);
  out.clear();
  g.Arrive("b", Member(2), &out);  // after the inputs ended: settles at once
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "b");
  EXPECT_EQ(out[0].number, 2u);
  EXPECT_EQ(g.open_groups(), 0u);
}

TEST(GatherGroups, AGroupSizeSettlesAGroupBeforeTheInputsEnd) {
  GatherGroups g(2);
  std::vector<SettledGroup> out;
  g.Expect("x");
  g.Expect("x");
  g.Expect("x");  // a third: another group of the same value
  g.Arrive("x", Member(2), &out);
  g.Arrive("x", Member(1), &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].members.size(), 2u);
  EXPECT_EQ(out[0].expected, 2u);
  out.clear();
  g.Arrive("x", Member(3), &out);
  EXPECT_TRUE(out.empty());  // short of group_size until the inputs end
  g.InputsEnded(&out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].members.size(), 1u);
  EXPECT_EQ(out[0].expected, 2u);  // the engine tells the user it is short
}

TEST(GatherGroups, AFailedItemSettlesItsGroupWithTheFailureNamed) {
  GatherGroups g(0);
  std::vector<SettledGroup> out;
  g.Expect("s");
  g.Expect("s");
  g.InputsEnded(&out);
  EXPECT_TRUE(out.empty());
  g.Fail("s", 2, &out);
  EXPECT_TRUE(out.empty());
  g.Arrive("s", Member(1), &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].failed, std::vector<uint64_t>{2});
  EXPECT_EQ(out[0].members.size(), 1u);
}

TEST(GatherGroups, AnItemNeverExpectedIsIgnored) {
  GatherGroups g(0);
  std::vector<SettledGroup> out;
  g.Arrive("nope", Member(1), &out);
  g.Fail("nope", 2, &out);
  g.InputsEnded(&out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(g.parked(), 0u);
}

}  // namespace
}  // namespace coreflow
