#include "plan/output_path.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

TEST(NormalizePath, ResolvesDotsByName) {
  EXPECT_EQ(NormalizePath("out/../x"), "x");
  EXPECT_EQ(NormalizePath("out/a/../../../x"), "../x");
  EXPECT_EQ(NormalizePath("/a/../../x"), "/x");
  EXPECT_EQ(NormalizePath("./out//b/./c"), "out/b/c");
  EXPECT_EQ(NormalizePath("out/.."), ".");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("../../a"), "../../a");
  EXPECT_EQ(NormalizePath(""), "");
}

std::vector<Piece> Pieces(const std::string& text) {
  std::vector<Piece> pieces;
  std::string err;
  EXPECT_TRUE(ParsePathTemplate(text, 1, &pieces, &err)) << err;
  return pieces;
}

TEST(TemplateDirectory, IsTheLiteralPartBeforeTheFirstReplacement) {
  EXPECT_EQ(TemplateDirectory(Pieces("out/{/.}.tsv")), "out");
  EXPECT_EQ(TemplateDirectory(Pieces("/scratch/run/{}.txt")), "/scratch/run");
  EXPECT_EQ(TemplateDirectory(Pieces("out/pre{}/x.txt")), "out");
  EXPECT_EQ(TemplateDirectory(Pieces("/{}.txt")), "/");
  EXPECT_EQ(TemplateDirectory(Pieces("./{}.txt")), ".");
  EXPECT_EQ(TemplateDirectory(Pieces("{.}.bam")), "");
  EXPECT_EQ(TemplateDirectory(Pieces("pre{}.bam")), "");
}

TEST(StaysWithin, ByName) {
  EXPECT_TRUE(StaysWithin("out/a.txt", "out"));
  EXPECT_TRUE(StaysWithin("out/sub/../a.txt", "out"));
  EXPECT_FALSE(StaysWithin("out/../../outside/victim.txt", "out"));
  EXPECT_FALSE(StaysWithin("out/../x.txt", "out"));
  EXPECT_FALSE(StaysWithin("outer/x.txt", "out"));
  EXPECT_FALSE(StaysWithin("out", "out"));
  EXPECT_TRUE(StaysWithin("/data/out/x", "/data/out"));
  EXPECT_FALSE(StaysWithin("/data/out/../../etc/x", "/data/out"));
  EXPECT_TRUE(StaysWithin("/anything", "/"));
  EXPECT_FALSE(StaysWithin("relative", "/"));
  EXPECT_TRUE(StaysWithin("a/b", "."));
  EXPECT_FALSE(StaysWithin("../a", "."));
  EXPECT_FALSE(StaysWithin("/abs", "."));
  EXPECT_TRUE(StaysWithin("../../anywhere", ""));  // the template names no directory
}

}  // namespace
}  // namespace coreflow
