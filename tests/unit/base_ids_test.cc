#include "base/ids.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

namespace coreflow {
namespace {

TEST(StrongIdTest, KindsDoNotConvertIntoEachOther) {
  static_assert(!std::is_convertible_v<TaskId, SlotId>);
  static_assert(!std::is_convertible_v<SlotId, TaskId>);
  static_assert(!std::is_convertible_v<uint64_t, TaskId>);
  static_assert(!std::is_convertible_v<TaskId, uint64_t>);
  static_assert(!std::is_convertible_v<ProcessHandle, TaskId>);
  static_assert(!std::is_convertible_v<int, StageId>);
  static_assert(sizeof(TaskId) == sizeof(uint64_t));
}

TEST(StrongIdTest, ComparesAndHashesByValue) {
  EXPECT_EQ(TaskId(3), TaskId(3));
  EXPECT_LT(TaskId(2), TaskId(3));
  EXPECT_EQ(SlotId().value(), 0);
  std::unordered_set<TaskId> seen = {TaskId(1), TaskId(2), TaskId(1)};
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.count(TaskId(2)));
}

}  // namespace
}  // namespace coreflow
