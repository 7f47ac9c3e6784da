// A pipeline stage's replacement strings: {NAME.output}, {NAME.outputs} and {group...}.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plan/expand.h"
#include "plan/template.h"

namespace coreflow {
namespace {

const std::vector<std::string> kEarlier = {"contacts", "graph"};

FieldScope StageScope(bool gather = false) {
  FieldScope scope;
  scope.stages = &kEarlier;
  scope.gather = gather;
  return scope;
}

CommandTemplate Parse(std::string_view line, const FieldScope& scope) {
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, scope, &t, &err)) << line << ": " << err;
  return t;
}

TaskInput Item() {
  TaskInput in;
  in.seq = 4;
  in.items = {{"pdb/1abc.pdb"}};
  in.stage_outputs = {{"contacts/1abc.tsv", "contacts/1abc.log"}, {"graphs/1abc.json"}};
  in.group = "sets/antibody.list";
  return in;
}

std::vector<std::string> Argv(std::string_view line, const FieldScope& scope, const TaskInput& in) {
  Command c;
  ExpandCommand(Parse(line, scope), in, 1, &c);
  return c.argv;
}

TEST(StageFieldsTest, OutputIsTheFirstAndOutputsEveryOneAsWordsOfTheirOwn) {
  EXPECT_EQ(Argv("graph.py {contacts.output} {}", StageScope(), Item()),
            (std::vector<std::string>{"graph.py", "contacts/1abc.tsv", "pdb/1abc.pdb"}));
  EXPECT_EQ(Argv("cat {contacts.outputs}", StageScope(), Item()),
            (std::vector<std::string>{"cat", "contacts/1abc.tsv", "contacts/1abc.log"}));
  EXPECT_EQ(Argv("x --in={graph.output}", StageScope(), Item()),
            (std::vector<std::string>{"x", "--in=graphs/1abc.json"}));
}

TEST(StageFieldsTest, AShellLineQuotesEachPath) {
  TaskInput in = Item();
  in.stage_outputs[0] = {"a b.tsv", "c"};
  EXPECT_EQ(ExpandCommandLine(Parse("cat {contacts.outputs} | wc -l", StageScope()), in, 1),
            "cat 'a b.tsv' c | wc -l");
}

TEST(StageFieldsTest, GroupTakesTheTransformsOfAnInput) {
  FieldScope gather = StageScope(true);
  EXPECT_EQ(Argv("s {group} {group/} {group/.} {group//} {group.}", gather, Item()),
            (std::vector<std::string>{"s", "sets/antibody.list", "antibody.list", "antibody",
                                      "sets", "sets/antibody"}));
}

TEST(StageFieldsTest, NamingNoEarlierStageIsAnErrorAndOtherBracesStayText) {
  CommandTemplate t;
  std::string err;
  EXPECT_FALSE(ParseTemplate("x {summary.output}", StageScope(), &t, &err));
  EXPECT_NE(err.find("uses {summary.output} but no earlier stage is called 'summary'"),
            std::string::npos)
      << err;
  // Outside a gather stage {group} is not a replacement string, nor outside a pipeline
  // {contacts.output}: both stay literal, as they always were.
  EXPECT_EQ(Argv("echo {group}", StageScope(), Item()),
            (std::vector<std::string>{"echo", "{group}", "pdb/1abc.pdb"}));
  EXPECT_EQ(Argv("echo {contacts.output}", FieldScope{}, Item()),
            (std::vector<std::string>{"echo", "{contacts.output}", "pdb/1abc.pdb"}));
  EXPECT_EQ(Argv("awk '{print $1}' {contacts.output}", StageScope(), Item()),
            (std::vector<std::string>{"/bin/sh", "-c", "awk '{print $1}' contacts/1abc.tsv"}));
}

TEST(StageFieldsTest, AnItemWithoutOutputsOfThatStageExpandsToNothing) {
  TaskInput in = Item();
  in.stage_outputs.clear();
  // A stage reference is a replacement string: no {} is appended after it.
  EXPECT_EQ(Argv("x {graph.outputs} y", StageScope(), in), (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace coreflow
