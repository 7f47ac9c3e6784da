#include "schedule/stage_queues.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

const StageId kFirst(0), kSecond(1), kThird(2);

TEST(StageQueues, OneStageIsTheRunsSlotsLowestFirst) {
  StageQueues q(3, {});
  ASSERT_EQ(q.stage_count(), 1u);
  EXPECT_FALSE(q.Next());
  for (uint64_t t = 1; t <= 4; ++t) q.PushBack(kFirst, TaskId(t));
  std::vector<int> slots;
  while (auto s = q.Next()) slots.push_back(q.Start(*s).slot.value());
  EXPECT_EQ(slots, (std::vector<int>{1, 2, 3}));  // the fourth waits for a slot
  EXPECT_EQ(q.ready(kFirst), 1u);
  q.Finish(kFirst, SlotId(2), 0);
  ASSERT_TRUE(q.Next());
  auto [task, slot, gpus] = q.Start(kFirst);
  EXPECT_EQ(task, TaskId(4));
  EXPECT_EQ(slot, SlotId(2));
}

TEST(StageQueues, ALaterStageGoesFirst) {
  StageQueues q(1, {StageOptions{}, StageOptions{}, StageOptions{}});
  q.PushBack(kFirst, TaskId(5));
  q.PushBack(kSecond, TaskId(2));
  q.PushBack(kThird, TaskId(1));
  EXPECT_EQ(q.ready_total(), 3u);
  EXPECT_EQ(q.ready_after_first(), 2u);
  std::vector<uint64_t> order;
  for (int i = 0; i < 3; ++i) {
    auto stage = q.Next();
    ASSERT_TRUE(stage);
    auto [task, slot, gpus] = q.Start(*stage);
    order.push_back(task.value());
    EXPECT_FALSE(q.Next());  // the one core is held
    q.Finish(*stage, slot, 0);
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 2, 5}));
}

TEST(StageQueues, TasksHoldTheirStagesCoresAndALaterStageWaitsForThem) {
  StageOptions narrow, wide;
  wide.cores = 4;
  StageQueues q(6, {narrow, wide});
  for (uint64_t t = 1; t <= 6; ++t) q.PushBack(kFirst, TaskId(t));
  for (int i = 0; i < 3; ++i) q.Start(kFirst);  // 3 cores held
  q.PushBack(kSecond, TaskId(100));
  // Three cores are free, the wide task needs four: it waits, and the narrow ones do not
  // take the cores it waits for.
  EXPECT_EQ(q.cores_free(), 3);
  EXPECT_FALSE(q.Next());
  q.Finish(kFirst, SlotId(1), 0);
  ASSERT_EQ(q.Next(), kSecond);
  auto [task, slot, gpus] = q.Start(kSecond);
  EXPECT_EQ(task, TaskId(100));
  EXPECT_EQ(slot, SlotId(1));  // each stage numbers its own slots
  EXPECT_EQ(q.cores_free(), 0);
}

TEST(StageQueues, AStageWithFixedSlotsLeavesTheRestToOthers) {
  StageOptions one;
  one.slots = 1;
  StageQueues q(4, {StageOptions{}, one});
  q.PushBack(kSecond, TaskId(10));
  q.PushBack(kSecond, TaskId(11));
  for (uint64_t t = 1; t <= 5; ++t) q.PushBack(kFirst, TaskId(t));
  std::vector<uint64_t> started;
  while (auto s = q.Next()) started.push_back(q.Start(*s).task.value());
  EXPECT_EQ(started, (std::vector<uint64_t>{10, 1, 2, 3}));
  EXPECT_EQ(q.ready(kSecond), 1u);
}

TEST(StageQueues, ATaskAskingMoreThanTheBudgetRunsAlone) {
  StageOptions huge;
  huge.cores = 64;
  StageQueues q(8, {huge});
  q.PushBack(kFirst, TaskId(1));
  q.PushBack(kFirst, TaskId(2));
  ASSERT_TRUE(q.Next());
  q.Start(kFirst);
  EXPECT_EQ(q.cores_free(), 0);
  EXPECT_FALSE(q.Next());
}

TEST(StageQueues, ABudgetThatShrinksKeepsRunningTasksAndReusesNoSlotBeyondIt) {
  StageQueues q(4, {});
  for (uint64_t t = 1; t <= 8; ++t) q.PushBack(kFirst, TaskId(t));
  for (int i = 0; i < 4; ++i) q.Start(kFirst);
  q.SetBudget(2,
              {{kFirst, SlotId(1)}, {kFirst, SlotId(2)}, {kFirst, SlotId(3)}, {kFirst, SlotId(4)}});
  EXPECT_EQ(q.cores_free(), -2);
  q.Finish(kFirst, SlotId(4), 0);  // slot 4 is gone
  q.Finish(kFirst, SlotId(3), 0);
  EXPECT_FALSE(q.Next());  // the two running hold the whole budget
  q.Finish(kFirst, SlotId(1), 0);
  ASSERT_TRUE(q.Next());
  EXPECT_EQ(q.Start(kFirst).slot, SlotId(1));
  q.SetBudget(0, {{kFirst, SlotId(1)}, {kFirst, SlotId(2)}});  // paused
  q.Finish(kFirst, SlotId(1), 0);
  q.Finish(kFirst, SlotId(2), 0);
  EXPECT_FALSE(q.Next());
  q.SetBudget(3, {});
  std::vector<int> slots;
  while (auto s = q.Next()) slots.push_back(q.Start(*s).slot.value());
  EXPECT_EQ(slots, (std::vector<int>{1, 2, 3}));
}

TEST(StageQueues, InsertAtKeepsASplitBatchsInputsInOrderAheadOfTheRest) {
  StageQueues q(1, {});
  q.PushBack(kFirst, TaskId(9));
  q.InsertAt(kFirst, 0, TaskId(5));
  q.InsertAt(kFirst, 1, TaskId(6));
  std::vector<uint64_t> order;
  while (auto s = q.Next()) {
    auto [task, slot, gpus] = q.Start(*s);
    order.push_back(task.value());
    q.Finish(*s, slot, 0);
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{5, 6, 9}));
}

TEST(StageQueues, AStageThatHoldsNoCoreRunsItsSlotsBesideTheBudget) {
  StageOptions copy, compute;
  copy.cores = 0;
  copy.slots = 3;
  StageQueues q(2, {copy, compute});
  for (uint64_t t = 1; t <= 5; ++t) q.PushBack(kFirst, TaskId(t));
  std::vector<int> slots;
  while (auto s = q.Next()) slots.push_back(q.Start(*s).slot.value());
  EXPECT_EQ(slots, (std::vector<int>{1, 2, 3}));  // its own count: the budget is untouched
  EXPECT_EQ(q.cores_free(), 2);
}

TEST(StageQueues, PrefetchKeepsAStageNoFurtherAheadThanItSays) {
  StageOptions copy, compute;
  copy.cores = 0;
  copy.slots = 8;
  copy.ahead = 3;  // copies running plus items copied and waiting
  StageQueues q(1, {copy, compute});
  for (uint64_t t = 1; t <= 10; ++t) q.PushBack(kFirst, TaskId(t));
  std::vector<StartedTask> copying;
  while (auto s = q.Next()) copying.push_back(q.Start(*s));
  EXPECT_EQ(copying.size(), 3u);
  q.Finish(kFirst, copying[0].slot, 0);
  q.Passing(kFirst, +1);  // passed, its next task not queued yet: still ahead
  EXPECT_FALSE(q.Next());
  q.Passing(kFirst, -1);
  q.PushBack(kSecond, TaskId(100));  // its item waits for the compute stage
  ASSERT_EQ(q.Next(), kSecond);      // the compute stage goes first
  q.Start(kSecond);
  ASSERT_EQ(q.Next(), kFirst);  // two copying, none waiting: one more may start
  q.Start(kFirst);
  EXPECT_FALSE(q.Next());
}

TEST(StageQueues, StagedBytesStayUnderTheCapUntilTheirItemsLeave) {
  StageOptions copy, compute;
  copy.cores = 0;
  copy.slots = 8;
  copy.holds_scratch = true;
  StageQueues q(2, {copy, compute}, 0, /*scratch_cap=*/100);
  q.AskScratch(TaskId(1), 60);
  q.PushBack(kFirst, TaskId(1));
  q.AskScratch(TaskId(2), 50);
  q.PushBack(kFirst, TaskId(2));
  ASSERT_EQ(q.Next(), kFirst);
  StartedTask first = q.Start(kFirst);
  EXPECT_EQ(first.task, TaskId(1));
  EXPECT_EQ(q.scratch_used(), 60u);
  EXPECT_FALSE(q.Next());  // 60 + 50 > 100
  q.Finish(kFirst, first.slot, 0);
  EXPECT_FALSE(q.Next());  // copied, but its item has not left: the copy is still there
  q.FreeScratch(TaskId(1));
  EXPECT_EQ(q.scratch_used(), 0u);
  ASSERT_EQ(q.Next(), kFirst);
  StartedTask second = q.Start(kFirst);
  EXPECT_EQ(q.scratch_used(), 50u);
  q.Finish(kFirst, second.slot, 0);
  q.PushFront(kFirst, TaskId(2));  // tried again: it holds its bytes already
  ASSERT_EQ(q.Next(), kFirst);
  q.Start(kFirst);
  EXPECT_EQ(q.scratch_used(), 50u);
  q.FreeScratch(TaskId(2));
  q.FreeScratch(TaskId(2));  // once only
  EXPECT_EQ(q.scratch_used(), 0u);
}

}  // namespace
}  // namespace coreflow
