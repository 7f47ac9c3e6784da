#include "mpi/output_order.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

OutputGroup TaskOutput(uint64_t inputs, const std::string& text) {
  OutputGroup g;
  g.inputs = inputs;
  if (!text.empty()) g.pieces.push_back({StdStream::kOut, text});
  return g;
}

struct Written {
  std::string text;
  RankOutput::Write Into() {
    return [this](const OutputGroup& g) {
      for (const OutputPiece& p : g.pieces) text += p.bytes;
    };
  }
};

TEST(RankOutputTest, WithoutOrderEachGroupIsWrittenAsItComes) {
  Written w;
  RankOutput out(3, /*ordered=*/false, w.Into());
  out.Dealt(1, 2);
  out.Dealt(2, 2);
  out.Received(2, TaskOutput(1, "c "));
  out.Received(1, TaskOutput(1, "a "));
  EXPECT_EQ(w.text, "c a ");
  EXPECT_EQ(out.held(), 0u);
}

TEST(RankOutputTest, AGroupWaitsForTheGroupsOfEveryEarlierInput) {
  Written w;
  RankOutput out(3, /*ordered=*/true, w.Into());
  out.Dealt(1, 2);  // inputs 0, 1
  out.Dealt(2, 2);  // 2, 3
  out.Dealt(1, 2);  // 4, 5
  out.Received(1, TaskOutput(1, "0 "));
  EXPECT_EQ(w.text, "0 ") << "nothing before input 0";
  out.Received(2, TaskOutput(2, "2+3 "));
  EXPECT_EQ(w.text, "0 ") << "input 1 is not done";
  EXPECT_EQ(out.held(), 1u);
  out.Received(1, TaskOutput(1, "1 "));
  EXPECT_EQ(w.text, "0 1 2+3 ");
  out.Received(1, TaskOutput(2, "4+5"));
  EXPECT_EQ(w.text, "0 1 2+3 4+5");
  EXPECT_EQ(out.held(), 0u);
}

TEST(RankOutputTest, ABatchOverSeveralRunsTakesThePlaceOfItsFirstInput) {
  Written w;
  RankOutput out(3, /*ordered=*/true, w.Into());
  out.Dealt(1, 1);  // 0
  out.Dealt(2, 1);  // 1
  out.Dealt(1, 1);  // 2
  out.Received(2, TaskOutput(1, "1 "));
  out.Received(1, TaskOutput(2, "0+2 "));  // one command for inputs 0 and 2 (-N2)
  EXPECT_EQ(w.text, "0+2 1 ");
}

TEST(RankOutputTest, SilentTasksKeepTheirPlaceAndMessagesDoNotWait) {
  Written w;
  RankOutput out(2, /*ordered=*/true, w.Into());
  out.Dealt(0, 1);
  out.Dealt(1, 1);
  out.Received(1, TaskOutput(1, "1 "));
  out.Received(1, TaskOutput(0, "coreflow: a message "));  // not a task's: written at once
  EXPECT_EQ(w.text, "coreflow: a message ");
  out.Received(0, TaskOutput(1, ""));  // input 0 printed nothing
  EXPECT_EQ(w.text, "coreflow: a message 1 ");
}

TEST(RankOutputTest, InputsARankNeverRanAreSkippedWhenItIsDone) {
  Written w;
  RankOutput out(3, /*ordered=*/true, w.Into());
  out.Dealt(1, 2);  // 0, 1
  out.Dealt(2, 1);  // 2
  out.Received(1, TaskOutput(1, "0 "));
  out.Received(2, TaskOutput(1, "2 "));
  EXPECT_EQ(w.text, "0 ");
  out.RankDone(1);  // it stopped (--halt) before input 1
  EXPECT_EQ(w.text, "0 2 ");
  out.Dealt(1, 1);  // 3: dealt on its way as the rank said goodbye
  out.Dealt(2, 1);  // 4
  out.Received(2, TaskOutput(1, "4"));
  EXPECT_EQ(w.text, "0 2 4");
  EXPECT_EQ(out.held(), 0u);
}

TEST(RankOutputTest, ARankThatClaimsMoreThanItGotIsWrittenAnyway) {
  Written w;
  RankOutput out(2, /*ordered=*/true, w.Into());
  out.Received(1, TaskOutput(1, "unknown "));  // nothing dealt to it: no place to keep
  out.Received(7, TaskOutput(1, "no such rank"));
  EXPECT_EQ(w.text, "unknown no such rank");
}

}  // namespace
}  // namespace coreflow
