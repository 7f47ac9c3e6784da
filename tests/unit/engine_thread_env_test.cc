#include "engine/thread_env.h"

#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace coreflow {
namespace {

constexpr const char* kAllThirteen[] = {
    "OMP_NUM_THREADS",       "OMP_THREAD_LIMIT",  "OPENBLAS_NUM_THREADS",   "GOTO_NUM_THREADS",
    "MKL_NUM_THREADS",       "BLIS_NUM_THREADS",  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",   "NUMBA_NUM_THREADS", "JULIA_NUM_THREADS",      "RAYON_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS"};

const ThreadVariable* Find(const std::vector<ThreadVariable>& vars, const std::string& name) {
  for (const ThreadVariable& v : vars) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

TEST(ThreadVariablesTest, ListsTheThirteenCountVariables) {
  std::vector<std::string> names(kThreadCountVariables.begin(), kThreadCountVariables.end());
  EXPECT_EQ(names, std::vector<std::string>(std::begin(kAllThirteen), std::end(kAllThirteen)));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size())
      << "no duplicates";
}

TEST(ApplyThreadVariablesTest, SetsEveryVariableEvenForOneThread) {
  Environment env;
  std::vector<ThreadVariable> chosen = ApplyThreadVariables(1, false, &env);
  ASSERT_EQ(chosen.size(), 14u);
  for (const char* name : kAllThirteen) {
    const std::string* v = env.Get(name);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(*v, "1") << name;
    const ThreadVariable* c = Find(chosen, name);
    ASSERT_NE(c, nullptr) << name;
    EXPECT_EQ(c->value, "1");
    EXPECT_EQ(c->source, "coreflow default");
  }
  ASSERT_NE(env.Get("MKL_DYNAMIC"), nullptr);
  EXPECT_EQ(*env.Get("MKL_DYNAMIC"), "FALSE");
  EXPECT_EQ(chosen.back().name, "MKL_DYNAMIC");
  EXPECT_EQ(chosen.back().value, "FALSE");
  EXPECT_EQ(env.Entries().size(), 14u) << "nothing else is added";
}

TEST(ApplyThreadVariablesTest, UsesTheThreadCount) {
  Environment env;
  ApplyThreadVariables(12, true, &env);
  for (const char* name : kAllThirteen) EXPECT_EQ(*env.Get(name), "12") << name;
}

TEST(ApplyThreadVariablesTest, UserValueWinsWithoutExplicitThreads) {
  // HPC modules often export OMP_NUM_THREADS; without -t that choice is kept.
  Environment env({"OMP_NUM_THREADS=6", "MKL_DYNAMIC=TRUE", "OTHER=x"});
  std::vector<ThreadVariable> chosen = ApplyThreadVariables(2, false, &env);
  EXPECT_EQ(*env.Get("OMP_NUM_THREADS"), "6");
  EXPECT_EQ(*env.Get("MKL_DYNAMIC"), "TRUE");
  EXPECT_EQ(*env.Get("OPENBLAS_NUM_THREADS"), "2");
  EXPECT_EQ(*env.Get("OTHER"), "x");
  const ThreadVariable* omp = Find(chosen, "OMP_NUM_THREADS");
  ASSERT_NE(omp, nullptr);
  EXPECT_EQ(omp->value, "6");
  EXPECT_EQ(omp->source, "your environment");
  const ThreadVariable* dyn = Find(chosen, "MKL_DYNAMIC");
  ASSERT_NE(dyn, nullptr);
  EXPECT_EQ(dyn->value, "TRUE");
  EXPECT_EQ(dyn->source, "your environment");
  const ThreadVariable* blas = Find(chosen, "OPENBLAS_NUM_THREADS");
  ASSERT_NE(blas, nullptr);
  EXPECT_EQ(blas->source, "coreflow default");
}

TEST(ApplyThreadVariablesTest, AnEmptyExportedValueIsStillTheUsers) {
  Environment env({"OMP_NUM_THREADS="});
  std::vector<ThreadVariable> chosen = ApplyThreadVariables(4, false, &env);
  EXPECT_EQ(*env.Get("OMP_NUM_THREADS"), "");
  EXPECT_EQ(Find(chosen, "OMP_NUM_THREADS")->source, "your environment");
}

TEST(ApplyThreadVariablesTest, ExplicitThreadsOverrideEverything) {
  Environment env({"OMP_NUM_THREADS=6", "MKL_NUM_THREADS=3", "MKL_DYNAMIC=TRUE"});
  std::vector<ThreadVariable> chosen = ApplyThreadVariables(4, true, &env);
  ASSERT_EQ(chosen.size(), 14u);
  for (const char* name : kAllThirteen) {
    EXPECT_EQ(*env.Get(name), "4") << name;
    EXPECT_EQ(Find(chosen, name)->source, "-t") << name;
  }
  EXPECT_EQ(*env.Get("MKL_DYNAMIC"), "FALSE");
  EXPECT_EQ(Find(chosen, "MKL_DYNAMIC")->source, "-t");
}

TEST(ApplyThreadVariablesTest, ReportsInAFixedOrder) {
  Environment env;
  std::vector<ThreadVariable> chosen = ApplyThreadVariables(1, false, &env);
  std::vector<std::string> names;
  for (const ThreadVariable& v : chosen) names.push_back(v.name);
  std::vector<std::string> expected(std::begin(kAllThirteen), std::end(kAllThirteen));
  expected.push_back("MKL_DYNAMIC");
  EXPECT_EQ(names, expected);
}

TEST(FindExportedThreadsTest, AnExportedCountThatDiffersFromThePlan) {
  ThreadVariable found;
  EXPECT_FALSE(FindExportedThreads(Environment(), 1, &found));
  EXPECT_FALSE(FindExportedThreads(Environment({"OMP_NUM_THREADS=4"}), 4, &found));
  EXPECT_FALSE(FindExportedThreads(Environment({"OMP_NUM_THREADS=", "PATH=/bin"}), 1, &found));
  ASSERT_TRUE(FindExportedThreads(Environment({"OMP_NUM_THREADS=64"}), 1, &found));
  EXPECT_EQ(found.name, "OMP_NUM_THREADS");
  EXPECT_EQ(found.value, "64");
  // Nested levels: the first is what a task starts; later variables are looked at too.
  ASSERT_TRUE(FindExportedThreads(Environment({"OMP_NUM_THREADS=8,2"}), 1, &found));
  EXPECT_EQ(found.value, "8");
  ASSERT_TRUE(FindExportedThreads(Environment({"MKL_NUM_THREADS=16"}), 2, &found));
  EXPECT_EQ(found.name, "MKL_NUM_THREADS");
}

}  // namespace
}  // namespace coreflow
