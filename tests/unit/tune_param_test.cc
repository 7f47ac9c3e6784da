#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"
#include "tune/cache.h"
#include "tune/search.h"
#include "tune/space.h"

namespace coreflow {
namespace {

using Values = std::vector<std::string>;

TuneParam Param(const std::string& text) {
  TuneParam p;
  std::string err;
  EXPECT_TRUE(ParseTuneParam(text, &p, &err)) << text << ": " << err;
  return p;
}

std::string Error(const std::string& text) {
  TuneParam p;
  std::string err;
  EXPECT_FALSE(ParseTuneParam(text, &p, &err)) << text;
  return err;
}

TEST(TuneParamTest, ListsAndRanges) {
  TuneParam p = Param("i_batch=8,16,32");
  EXPECT_EQ(p.name, "i_batch");
  EXPECT_EQ(p.values, (Values{"8", "16", "32"}));
  EXPECT_EQ(Param("b=1..64:x2").values, (Values{"1", "2", "4", "8", "16", "32", "64"}));
  EXPECT_EQ(Param("b=1..50:x4").values, (Values{"1", "4", "16"}));
  EXPECT_EQ(Param("n=10..30:+10").values, (Values{"10", "20", "30"}));
  EXPECT_EQ(Param("mode=fast,exact").values, (Values{"fast", "exact"}));
}

TEST(TuneParamTest, WhatIsWrongIsSaid) {
  EXPECT_EQ(Error("=1,2"),
            "--tune-param '=1,2': write NAME=V1,V2,... (NAME of letters, digits "
            "and _)");
  EXPECT_EQ(Error("a-b=1,2"),
            "--tune-param 'a-b=1,2': write NAME=V1,V2,... (NAME of letters, "
            "digits and _)");
  EXPECT_EQ(Error("b=4"), "--tune-param 'b=4': give two values or more to choose from");
  EXPECT_EQ(Error("b=1,,2"), "--tune-param 'b=1,,2': an empty value");
  EXPECT_EQ(Error("b=1,2,1"), "--tune-param 'b=1,2,1': a repeated value");
  EXPECT_NE(Error("b=1..8").find("A..B:xF or A..B:+S"), std::string::npos);
  EXPECT_NE(Error("b=8..1:x2").find("must go up"), std::string::npos);
  EXPECT_NE(Error("b=0..8:x2").find("must go up"), std::string::npos);
  EXPECT_NE(Error("b=1..100000:+1").find("too many"), std::string::npos);
}

TuneConfig Tune(TuneSearch& search, const std::function<double(const TuneConfig&)>& rate,
                int* trials) {
  int n = 0;
  while (auto c = search.Next()) {
    search.Report({*c, rate(*c), 0.01, 10});
    if (++n > 500) break;
  }
  *trials = n;
  return search.Winner();
}

// A DOT-PE-like workload: threads per task and the program's own batch size interact (a
// bigger batch wants more threads to fill), and the best needs both away from the defaults.
double Rate(const TuneConfig& c) {
  std::map<int, double> by_threads = {{1, 10}, {2, 14}, {4, 18}, {8, 12}, {16, 6}};
  std::map<std::string, double> by_batch = {{"1", 1.0}, {"4", 1.3}, {"16", 1.6}, {"64", 1.2}};
  double fill = c.params[0] == "16" && c.threads >= 4 ? 1.1 : 1.0;
  return by_threads[c.threads] * by_batch[c.params[0]] * fill;
}

TEST(TuneParamTest, TheSearchFindsAProgramParameterWithTheThreadsAtAThirdOfTheGrid) {
  TuneSpace s;
  s.cores = 16;
  s.group_cores = {8};
  s.params.push_back(Param("i_batch=1,4,16,64"));
  TuneSearch descent(s, TuneMode::kDefault), grid(s, TuneMode::kExhaustive);
  int descent_trials = 0, grid_trials = 0;
  TuneConfig found = Tune(descent, Rate, &descent_trials);
  TuneConfig best = Tune(grid, Rate, &grid_trials);
  EXPECT_EQ(best.params, Values{"16"});
  EXPECT_EQ(best.threads, 4);
  std::printf("default mode: %s in %d trials; the grid: %s in %d\n",
              found.Describe({"i_batch"}).c_str(), descent_trials,
              best.Describe({"i_batch"}).c_str(), grid_trials);
  EXPECT_GE(Rate(found), 0.95 * Rate(best)) << found.Describe({"i_batch"});
  EXPECT_LE(descent_trials * 3, grid_trials) << descent_trials << " against " << grid_trials;
  EXPECT_EQ(grid_trials, 2 * 5 * 4) << "every thread count with every value, twice";
  std::set<std::string> tried;
  for (const TrialResult& t : grid.trials()) tried.insert(t.config.params[0]);
  EXPECT_EQ(tried, (std::set<std::string>{"1", "4", "16", "64"}));
  EXPECT_EQ(found.Describe({"i_batch"}), "-j 4 -t 4 i_batch=16");
}

TEST(TuneParamTest, TheDefaultIsTheFirstValueAndTheCacheKeepsTheValues) {
  TuneSpace s;
  s.cores = 4;
  s.params.push_back(Param("b=8,16"));
  s.params.push_back(Param("mode=a,b"));
  EXPECT_EQ(DefaultConfig(s).params, (Values{"8", "a"}));
  testutil::ScratchDir dir("tune-param");
  TuneKey key{"cpu=x\n", "cores=4\n", "blas=none\n", "template=fit {param:b}\n"};
  CachedTune t;
  t.config = DefaultConfig(s);
  t.config.params = {"16", "b"};
  t.trials.push_back({t.config, 3.0, 0.01, 10});
  ASSERT_EQ(SaveTune(dir.path(), key, t), 0);
  CachedTune back;
  ASSERT_TRUE(LoadTune(dir.path(), key, &back));
  EXPECT_EQ(back.config, t.config);
  EXPECT_EQ(back.trials.at(0).config.params, (Values{"16", "b"}));
}

}  // namespace
}  // namespace coreflow
