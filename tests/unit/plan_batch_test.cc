#include "plan/batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

CommandTemplate Template(std::string_view line) {
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, 1, &t, &err)) << err;
  return t;
}

// Feeds `values` through the sizer; returns the batch sizes it makes.
std::vector<size_t> Sizes(BatchSizer& sizer, const std::vector<std::string>& values) {
  std::vector<size_t> sizes;
  size_t current = 0;
  for (const std::string& v : values) {
    if (!sizer.Fits({v})) {
      sizes.push_back(current);
      current = 0;
      sizer.Reset();
    }
    ++current;
    if (sizer.Add()) {
      sizes.push_back(current);
      current = 0;
      sizer.Reset();
    }
  }
  if (current > 0) sizes.push_back(current);
  return sizes;
}

TEST(BatchSizer, OneInputPerCommandByDefault) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{});
  EXPECT_FALSE(sizer.batching());
  EXPECT_EQ(Sizes(sizer, {"a", "b", "c"}), (std::vector<size_t>{1, 1, 1}));
}

TEST(BatchSizer, CountsForN) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kCount, 3, 0});
  EXPECT_EQ(Sizes(sizer, {"1", "2", "3", "4", "5", "6", "7"}), (std::vector<size_t>{3, 3, 1}));
}

TEST(BatchSizer, FillsTheLineForXAndM) {
  CommandTemplate t = Template("echo {}");
  // "echo " is 5 bytes; each value of 9 bytes costs 10 with its blank.
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 5 + 30});
  std::vector<std::string> values(7, "123456789");
  EXPECT_EQ(Sizes(sizer, values), (std::vector<size_t>{3, 3, 1}));
}

TEST(BatchSizer, ContextWordsCountOncePerInput) {
  CommandTemplate t = Template("echo pre{}post");
  UseContextReplace(&t);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 5 + 2 * 17});
  std::vector<std::string> values(5, "123456789");  // "pre123456789post" + a blank = 17
  EXPECT_EQ(Sizes(sizer, values), (std::vector<size_t>{2, 2, 1}));
}

TEST(BatchSizer, ATooLongInputStillGetsACommandOfItsOwn) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 20});
  EXPECT_EQ(Sizes(sizer, {std::string(100, 'x'), "a", std::string(50, 'y')}),
            (std::vector<size_t>{1, 1, 1}));
}

TEST(BatchSizer, LimitInputsSpreadsOverSlots) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 0});
  sizer.LimitInputs(4);
  EXPECT_EQ(Sizes(sizer, std::vector<std::string>(7, "v")), (std::vector<size_t>{4, 3}));
}

}  // namespace
}  // namespace coreflow
