#include "schedule/release_order.h"

#include <gtest/gtest.h>

#include <vector>

namespace coreflow {
namespace {

using Seqs = std::vector<uint64_t>;

// ReleaseOrder over bare numbers, so the cases below read as the task numbers they are.
class Order {
 public:
  void Finished(uint64_t task, Seqs* out) {
    o_.Finished(TaskId(task), &ids_);
    Move(out);
  }
  void Split(uint64_t task) { o_.Split(TaskId(task)); }
  void AddInput(uint64_t batch, uint64_t task) { o_.AddInput(TaskId(batch), TaskId(task)); }
  void SplitQueued(uint64_t batch, Seqs* out) {
    o_.SplitQueued(TaskId(batch), &ids_);
    Move(out);
  }
  void Flush(Seqs* out) {
    o_.Flush(&ids_);
    Move(out);
  }

 private:
  void Move(Seqs* out) {
    for (TaskId id : ids_) out->push_back(id.value());
    ids_.clear();
  }
  ReleaseOrder o_;
  std::vector<TaskId> ids_;
};

Seqs Finish(Order& o, uint64_t seq) {
  Seqs out;
  o.Finished(seq, &out);
  return out;
}

TEST(ReleaseOrder, TasksGoInOrderWhateverOrderTheyFinishIn) {
  Order o;
  EXPECT_EQ(Finish(o, 2), Seqs{});
  EXPECT_EQ(Finish(o, 3), Seqs{});
  EXPECT_EQ(Finish(o, 1), (Seqs{1, 2, 3}));
  EXPECT_EQ(Finish(o, 4), Seqs{4});
}

TEST(ReleaseOrder, ASplitBatchsInputsTakeItsPlace) {
  // Task 2 was a batch of three inputs; they came back as tasks 5, 6 and 7.
  Order o;
  EXPECT_EQ(Finish(o, 1), Seqs{1});
  o.Split(2);
  EXPECT_EQ(Finish(o, 2), Seqs{2});  // the batch's own output (why it failed) first
  o.AddInput(2, 5);
  o.AddInput(2, 6);
  EXPECT_EQ(Finish(o, 3), Seqs{});  // waits behind the batch's inputs
  Seqs out;
  o.AddInput(2, 7);
  o.SplitQueued(2, &out);
  EXPECT_EQ(out, Seqs{});
  EXPECT_EQ(Finish(o, 6), Seqs{});
  EXPECT_EQ(Finish(o, 4), Seqs{});
  EXPECT_EQ(Finish(o, 5), (Seqs{5, 6}));
  EXPECT_EQ(Finish(o, 7), (Seqs{7, 3, 4}));
  EXPECT_EQ(Finish(o, 8), Seqs{8});  // numbers used by the inputs are skipped over
}

TEST(ReleaseOrder, ASplitWaitsUntilAllItsInputsAreQueued) {
  Order o;
  o.Split(1);
  EXPECT_EQ(Finish(o, 1), Seqs{1});
  o.AddInput(1, 3);
  EXPECT_EQ(Finish(o, 3), Seqs{3});
  EXPECT_EQ(Finish(o, 2), Seqs{});  // 1 may have more inputs to come
  o.AddInput(1, 4);
  Seqs out;
  o.SplitQueued(1, &out);
  EXPECT_EQ(out, Seqs{});
  EXPECT_EQ(Finish(o, 4), (Seqs{4, 2}));
}

TEST(ReleaseOrder, FlushGivesWhatIsHeldByNumber) {
  Order o;
  Seqs held;
  o.Finished(3, &held);
  o.Finished(5, &held);
  EXPECT_EQ(held, Seqs{});  // 1, 2 and 4 never ran
  o.Flush(&held);
  EXPECT_EQ(held, (Seqs{3, 5}));
  Seqs none;
  o.Flush(&none);
  EXPECT_EQ(none, Seqs{});
}

}  // namespace
}  // namespace coreflow
