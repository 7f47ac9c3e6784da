#include <gtest/gtest.h>

#include "base/parse.h"

namespace coreflow {
TEST(Smoke, ParsesInt) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt("42", &v));
  EXPECT_EQ(v, 42);
}
}  // namespace coreflow
