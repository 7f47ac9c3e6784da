#include "plan/template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

// Writes a field back as its replacement string and literal text as is, so a parse can be
// compared with one string: "gzip -9 {}" parses to "gzip -9 [{}]".
std::string Render(const std::vector<Piece>& pieces) {
  std::string out;
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      out += p.text;
      continue;
    }
    switch (p.field.kind) {
      case Field::Kind::kSeq:
        out += "[{#}]";
        break;
      case Field::Kind::kSlot:
        out += "[{%}]";
        break;
      case Field::Kind::kInput:
        out += "[{";
        if (p.field.source > 0) out += std::to_string(p.field.source);
        out += TransformSuffix(p.field.transform);
        out += "}]";
        break;
      case Field::Kind::kStageOutput:
        out +=
            "[{stage" + std::to_string(p.field.source) + (p.field.all ? ".outputs}]" : ".output}]");
        break;
      case Field::Kind::kGroup:
        out += std::string("[{group") + TransformSuffix(p.field.transform) + "}]";
        break;
      case Field::Kind::kGpu:
        out += "[{gpu}]";
        break;
      case Field::Kind::kParam:
        out += "[{param:" + p.field.name + "}]";
        break;
    }
  }
  return out;
}

std::vector<std::string> RenderWords(const CommandTemplate& t) {
  std::vector<std::string> out;
  for (const auto& w : t.words) out.push_back(Render(w));
  return out;
}

CommandTemplate Parse(std::string_view line, int num_sources = 1) {
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, num_sources, &t, &err)) << line << ": " << err;
  EXPECT_EQ(err, "");
  return t;
}

std::string ParseError(std::string_view line, int num_sources = 1) {
  CommandTemplate t;
  std::string err;
  EXPECT_FALSE(ParseTemplate(line, num_sources, &t, &err)) << line;
  EXPECT_NE(err, "") << line;
  return err;
}

// ---- replacement strings ----

TEST(ParseTemplateTest, EveryReplacementString) {
  CommandTemplate t = Parse("x {} {.} {/} {//} {/.} {#} {%}");
  EXPECT_EQ(Render(t.pieces), "x [{}] [{.}] [{/}] [{//}] [{/.}] [{#}] [{%}]");
  EXPECT_TRUE(t.uses_slot);
  EXPECT_FALSE(t.use_shell);
  EXPECT_FALSE(t.inputs_are_commands);
  EXPECT_EQ(t.text, "x {} {.} {/} {//} {/.} {#} {%}");
}

TEST(ParseTemplateTest, GpuIsAReplacementStringUnlessAColumnIsCalledSo) {
  CommandTemplate t = Parse("fold --device {gpu} {}");
  EXPECT_EQ(Render(t.pieces), "fold --device [{gpu}] [{}]");
  EXPECT_TRUE(t.uses_gpu);
  EXPECT_FALSE(Parse("fold {}").uses_gpu);
  EXPECT_EQ(Render(Parse("awk '{gpus}'").pieces), "awk '{gpus}' [{}]");  // not ours: literal
  std::vector<Piece> path;
  std::string err;
  EXPECT_FALSE(ParsePathTemplate("out/{gpu}.txt", FieldScope{}, &path, &err));
  EXPECT_EQ(err,
            "output path 'out/{gpu}.txt' uses {gpu}, which differs between runs; use {#} or "
            "an input");
}

TEST(ParseTemplateTest, ParamNamesATunedParameter) {
  FieldScope scope;
  scope.params = {"i_batch"};
  CommandTemplate t;
  std::string err;
  ASSERT_TRUE(ParseTemplate("fit --batch {param:i_batch} {}", scope, &t, &err)) << err;
  EXPECT_EQ(Render(t.pieces), "fit --batch [{param:i_batch}] [{}]");
  EXPECT_FALSE(ParseTemplate("fit --batch {param:other} {}", scope, &t, &err));
  EXPECT_EQ(err,
            "the template 'fit --batch {param:other} {}' uses {param:other}, but no "
            "--tune-param names 'other'");
  EXPECT_FALSE(ParseTemplate("fit {param:i_batch", scope, &t, &err)) << "not closed";
}

TEST(ParseTemplateTest, EveryNumberedReplacementString) {
  CommandTemplate t = Parse("x {1} {2.} {1/} {2//} {1/.}", 2);
  EXPECT_EQ(Render(t.pieces), "x [{1}] [{2.}] [{1/}] [{2//}] [{1/.}]");
  EXPECT_FALSE(t.uses_slot);
}

TEST(ParseTemplateTest, FieldsCarrySourceAndTransform) {
  CommandTemplate t = Parse("{2/.}", 3);
  ASSERT_EQ(t.pieces.size(), 1u);
  ASSERT_TRUE(t.pieces[0].is_field);
  EXPECT_EQ(t.pieces[0].field.kind, Field::Kind::kInput);
  EXPECT_EQ(t.pieces[0].field.source, 2);
  EXPECT_EQ(t.pieces[0].field.transform, Transform::kBasenameNoExtension);
  t = Parse("{}");
  EXPECT_EQ(t.pieces[0].field.source, 0) << "{} stands for every source";
  EXPECT_EQ(t.pieces[0].field.transform, Transform::kNone);
}

TEST(ParseTemplateTest, HighSourceNumbers) {
  EXPECT_EQ(Render(Parse("x {12}", 12).pieces), "x [{12}]");
  EXPECT_EQ(Render(Parse("x {010}", 10).pieces), "x [{10}]");  // decimal, as GNU reads {01}
}

TEST(ParseTemplateTest, FieldsInsideWordsAndAdjacent) {
  EXPECT_EQ(Render(Parse("cp {} {.}.bak").pieces), "cp [{}] [{.}].bak");
  EXPECT_EQ(Render(Parse("x{}y{}z").pieces), "x[{}]y[{}]z");
  EXPECT_EQ(Render(Parse("{}{}").pieces), "[{}][{}]");
  EXPECT_EQ(Render(Parse("a={#}").pieces), "a=[{#}]");
}

TEST(ParseTemplateTest, LiteralBracesStayLiteral) {
  // Shell and awk braces are not replacement strings.
  EXPECT_EQ(Render(Parse("awk '{print $1}' {}").pieces), "awk '{print $1}' [{}]");
  EXPECT_EQ(Render(Parse("{ cmd {}; }").pieces), "{ cmd [{}]; }");
  EXPECT_EQ(Render(Parse("echo {a,b} {}").pieces), "echo {a,b} [{}]");
  EXPECT_EQ(Render(Parse("echo {..} {}").pieces), "echo {..} [{}]");
  EXPECT_EQ(Render(Parse("echo {./} {}").pieces), "echo {./} [{}]");
  EXPECT_EQ(Render(Parse("echo {1x} {}").pieces), "echo {1x} [{}]");
  EXPECT_EQ(Render(Parse("echo {#x} {}").pieces), "echo {#x} [{}]");
  EXPECT_EQ(Render(Parse("echo {%x} {}").pieces), "echo {%x} [{}]");
  EXPECT_EQ(Render(Parse("echo } {} }").pieces), "echo } [{}] }");
  EXPECT_EQ(Render(Parse("f() { echo $1; }; f {}").pieces), "f() { echo $1; }; f [{}]");
}

TEST(ParseTemplateTest, LiteralBraceBeforeARealField) {
  // A '{' that opens nothing must not swallow the replacement string right after it.
  EXPECT_EQ(Render(Parse("echo {{}}").pieces), "echo {[{}]}");
  EXPECT_EQ(Render(Parse("echo {x{}").pieces), "echo {x[{}]");
}

// ---- errors ----

TEST(ParseTemplateTest, UnclosedBraceIsAnError) {
  for (const char* line : {"echo {1", "echo {", "x {/.", "x {.", "x {//", "echo {1 more", "echo {#",
                           "echo {%", "echo {2/ x", "{"}) {
    std::string err = ParseError(line, 2);
    EXPECT_NE(err.find("unclosed '{'"), std::string::npos) << line << ": " << err;
    EXPECT_NE(err.find(line), std::string::npos) << "quotes the template: " << err;
  }
  EXPECT_NE(ParseError("echo {1").find("column 6"), std::string::npos);
}

TEST(ParseTemplateTest, SourceNumberOutOfRange) {
  EXPECT_EQ(ParseError("echo {3}", 2), "the template uses {3} but there are 2 input sources");
  EXPECT_EQ(ParseError("echo {2/.}", 1),
            "the template uses {2/.} but there is only 1 input source");
  std::string err = ParseError("echo {0}", 1);
  EXPECT_NE(err.find("{0}"), std::string::npos) << err;
  err = ParseError("echo {0.}", 3);
  EXPECT_NE(err.find("{0.}"), std::string::npos) << err;
}

TEST(ParseTemplateTest, BlankTemplateIsAnError) {
  for (const char* line : {" ", "   ", "\t", " \t ", "\n", " \n\t"}) {
    std::string err = ParseError(line);
    EXPECT_NE(err.find("empty"), std::string::npos) << err;
  }
}

TEST(ParseTemplateTest, EmptyTemplateMeansInputsAreCommands) {
  CommandTemplate t = Parse("");
  EXPECT_TRUE(t.inputs_are_commands);
  EXPECT_TRUE(t.use_shell);
  EXPECT_TRUE(t.pieces.empty());
}

TEST(ParseTemplateTest, ParseResetsTheOutput) {
  CommandTemplate t = Parse("a | b {}");
  std::string err;
  ASSERT_TRUE(ParseTemplate("echo", 1, &t, &err));
  EXPECT_FALSE(t.use_shell);
  EXPECT_EQ(Render(t.pieces), "echo [{}]");
  EXPECT_EQ(t.text, "echo");
}

// ---- the appended {} ----

TEST(ParseTemplateTest, AppendsInputWhenNoInputField) {
  EXPECT_EQ(Render(Parse("echo").pieces), "echo [{}]");
  EXPECT_EQ(Render(Parse("gzip -9").pieces), "gzip -9 [{}]");
  // Any replacement string, even {#} or {%}, means nothing is appended (GNU parallel 20221122:
  // `parallel echo {#} ::: a b` prints 1 and 2).
  EXPECT_EQ(Render(Parse("echo {#}").pieces), "echo [{#}]");
  EXPECT_EQ(Render(Parse("echo {%}").pieces), "echo [{%}]");
  EXPECT_EQ(Render(Parse("echo {1}", 2).pieces), "echo [{1}]") << "{1} is input";
  EXPECT_EQ(Render(Parse("echo a | wc").pieces), "echo a | wc [{}]");
  EXPECT_EQ(Render(Parse("echo {/.}").pieces), "echo [{/.}]");
}

// ---- shell or direct exec ----

TEST(ParseTemplateTest, DirectExecWhenNoShellSyntax) {
  for (const char* line :
       {"gzip -9 {}", "echo {}", "python3 script.py --in={} --out={.}.out", "env A=1 prog {}",
        "cp {} {/}.bak", "echo {#} {%} {}", "cdx {}", "true", "sort -k1,1 -t, {}", "a-b+c {}",
        "x@y:z {}", "echo 100% {}", "echo {}:{}", "echo a\tb {}"}) {
    EXPECT_FALSE(Parse(line).use_shell) << line;
  }
}

TEST(ParseTemplateTest, ShellForShellSyntax) {
  for (const char* line :
       {"echo {} | wc -l", "echo {} > out",  "cat < {}",        "echo {} >> log", "a && b {}",
        "a || b {}",       "a; b {}",        "sleep 1 & {}",    "echo '{}'",      "echo \"{}\"",
        "echo $HOME {}",   "echo `date` {}", "echo $(date) {}", "ls *.txt {}",    "ls ? {}",
        "ls [ab] {}",      "echo a\\ b {}",  "echo ~ {}",       "echo # {}",      "echo !x {}",
        "(cd {})",         "echo a\nb {}",   "echo a\r\nb {}",  "{ echo {}; }"}) {
    EXPECT_TRUE(Parse(line).use_shell) << line;
  }
}

TEST(ParseTemplateTest, ShellForBuiltinsAndKeywords) {
  for (const char* line : {"cd {}",
                           "exit 3",
                           "export A={}",
                           "source {}",
                           ". {}",
                           "set -e",
                           "ulimit -v 100 {}",
                           "read x",
                           "eval {}",
                           "exec prog {}",
                           "for",
                           "if",
                           "while",
                           "unset A",
                           "wait",
                           "   cd {}",
                           "\tcd {}",
                           ": {}",
                           "trap x EXIT",
                           "umask 022 {}",
                           "{ ls {} }"}) {
    EXPECT_TRUE(Parse(line).use_shell) << "'" << line << "'";
  }
}

TEST(ParseTemplateTest, ShellForAssignmentAsFirstWord) {
  EXPECT_TRUE(Parse("VAR=x prog {}").use_shell);
  EXPECT_TRUE(Parse("OMP_NUM_THREADS=2 ./solver {}").use_shell);
  EXPECT_TRUE(Parse("  A= prog").use_shell);
  EXPECT_FALSE(Parse("prog VAR=x {}").use_shell) << "only the first word is an assignment";
}

TEST(ParseTemplateTest, ValuesNeverDecideTheShell) {
  // Shell characters inside replacement strings are not in the template's own text.
  EXPECT_FALSE(Parse("echo {#} {%} {//} {/.}").use_shell);
}

// ---- words ----

TEST(ParseTemplateTest, SplitsDirectTemplatesIntoWords) {
  CommandTemplate t = Parse("  gzip   -9\t{}  ");
  ASSERT_FALSE(t.use_shell);
  EXPECT_EQ(RenderWords(t), (std::vector<std::string>{"gzip", "-9", "[{}]"}));
}

TEST(ParseTemplateTest, FieldsStickToTheirWord) {
  CommandTemplate t = Parse("prog --in={} x{.}y {/}.out {1}{2} {#}", 2);
  ASSERT_FALSE(t.use_shell);
  EXPECT_EQ(RenderWords(t), (std::vector<std::string>{"prog", "--in=[{}]", "x[{.}]y", "[{/}].out",
                                                      "[{1}][{2}]", "[{#}]"}));
  ASSERT_EQ(t.words[1].size(), 2u);
  EXPECT_FALSE(t.words[1][0].is_field);
  EXPECT_EQ(t.words[1][0].text, "--in=");
  EXPECT_TRUE(t.words[1][1].is_field);
}

TEST(ParseTemplateTest, AppendedFieldIsItsOwnWord) {
  EXPECT_EQ(RenderWords(Parse("echo")), (std::vector<std::string>{"echo", "[{}]"}));
  EXPECT_EQ(RenderWords(Parse("echo x{#}")), (std::vector<std::string>{"echo", "x[{#}]"}));
}

TEST(ParseTemplateTest, ShellTemplatesHaveNoWords) {
  CommandTemplate t = Parse("echo {} | wc");
  EXPECT_TRUE(t.use_shell);
  EXPECT_TRUE(t.words.empty());
}

// ---- ParsePathTemplate ----

std::vector<Piece> ParsePath(std::string_view text, int num_sources = 1) {
  std::vector<Piece> pieces;
  std::string err;
  EXPECT_TRUE(ParsePathTemplate(text, num_sources, &pieces, &err)) << text << ": " << err;
  EXPECT_EQ(err, "");
  return pieces;
}

std::string ParsePathError(std::string_view text, int num_sources = 1) {
  std::vector<Piece> pieces;
  std::string err;
  EXPECT_FALSE(ParsePathTemplate(text, num_sources, &pieces, &err)) << text;
  EXPECT_NE(err, "") << text;
  return err;
}

TEST(PathTemplateTest, FieldsExpand) {
  EXPECT_EQ(Render(ParsePath("out/{/.}.tsv")), "out/[{/.}].tsv");
  EXPECT_EQ(Render(ParsePath("{//}/{/}.gz")), "[{//}]/[{/}].gz");
  EXPECT_EQ(Render(ParsePath("{.}.bak")), "[{.}].bak");
  EXPECT_EQ(Render(ParsePath("res/{1}-{2/.}/{#}.txt", 2)), "res/[{1}]-[{2/.}]/[{#}].txt");
  std::vector<Piece> pieces = ParsePath("out/{2/.}.tsv", 2);
  ASSERT_EQ(pieces.size(), 3u);
  ASSERT_TRUE(pieces[1].is_field);
  EXPECT_EQ(pieces[1].field.kind, Field::Kind::kInput);
  EXPECT_EQ(pieces[1].field.source, 2);
  EXPECT_EQ(pieces[1].field.transform, Transform::kBasenameNoExtension);
}

TEST(PathTemplateTest, NothingIsAppendedWithoutAField) {
  // Unlike a command, a path without a replacement string is one fixed path.
  std::vector<Piece> pieces = ParsePath("summary.txt");
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_FALSE(pieces[0].is_field);
  EXPECT_EQ(pieces[0].text, "summary.txt");
}

TEST(PathTemplateTest, ShellCharactersAndBlanksAreLiteral) {
  // A path is never given to a shell: nothing in it is special but replacement strings.
  EXPECT_EQ(Render(ParsePath("my dir/$HOME/*.{}|x")), "my dir/$HOME/*.[{}]|x");
  EXPECT_EQ(Render(ParsePath("{a,b}/{}")), "{a,b}/[{}]");
}

TEST(PathTemplateTest, SlotIsRefused) {
  // {%} differs between runs, so a resumed run would look for the wrong file.
  EXPECT_EQ(ParsePathError("out/{%}.txt"),
            "output path 'out/{%}.txt' uses {%}, which differs between runs; use {#} or an "
            "input");
  EXPECT_NE(ParsePathError("{}.{%}").find("{%}"), std::string::npos);
}

TEST(PathTemplateTest, SourceBeyondTheInputsIsRefused) {
  EXPECT_EQ(ParsePathError("out/{3}.txt", 2),
            "the output path uses {3} but there are 2 input sources");
  EXPECT_EQ(ParsePathError("{2/.}", 1),
            "the output path uses {2/.} but there is only 1 input source");
  EXPECT_NE(ParsePathError("{0}"), "");
}

TEST(PathTemplateTest, EmptyIsRefused) {
  EXPECT_EQ(ParsePathError(""), "an output path template is empty");
}

TEST(PathTemplateTest, UnclosedBraceIsRefused) { EXPECT_NE(ParsePathError("out/{1"), ""); }

TEST(PathTemplateTest, ReplacesEarlierPieces) {
  std::vector<Piece> pieces = ParsePath("old/{}");
  std::string err;
  ASSERT_TRUE(ParsePathTemplate("new.txt", 1, &pieces, &err)) << err;
  EXPECT_EQ(Render(pieces), "new.txt");
  EXPECT_FALSE(ParsePathTemplate("", 1, &pieces, &err));
  EXPECT_TRUE(pieces.empty()) << "a refused template leaves no pieces behind";
}

TEST(SplitPlainCommandTest, WordsWhereNoShellIsNeeded) {
  std::vector<std::string> argv;
  ASSERT_TRUE(SplitPlainCommand("python3  worker.py --model m.pt", &argv));
  EXPECT_EQ(argv, (std::vector<std::string>{"python3", "worker.py", "--model", "m.pt"}));
  for (const char* shell : {"cd d && python3 w.py", "python3 w.py > log", "A=1 python3 w.py",
                            "python3 'w w.py'", "exec python3 w.py", "python3 $W", "   "}) {
    EXPECT_FALSE(SplitPlainCommand(shell, &argv)) << shell;
  }
}

// ---- GNU parallel habits: {= =}, -I, -q ----

TEST(ParseTemplateTest, PerlExpressionIsAnErrorNotText) {
  std::string err = ParseError("echo {= s/a/b/ =}");
  EXPECT_NE(err.find("perl expression"), std::string::npos) << err;
  EXPECT_NE(err.find("{= s/a/b/ =}"), std::string::npos) << "quotes the template: " << err;
  // Without a closing =} it is literal text, as in GNU parallel.
  EXPECT_EQ(Render(Parse("echo {=x {}").pieces), "echo {=x [{}]");
}

TEST(ParseTemplateTest, CustomInputStringReplacesOnlyTheBraces) {
  CommandTemplate t;
  std::string err;
  FieldScope at;
  at.syntax.input = "@@";
  ASSERT_TRUE(ParseTemplate("echo @@ {} {.} x@@y", at, &t, &err)) << err;
  EXPECT_EQ(Render(t.pieces), "echo [{}] {} [{.}] x[{}]y");
  // A template without the string gets it appended, as usual.
  ASSERT_TRUE(ParseTemplate("echo {}", at, &t, &err)) << err;
  EXPECT_EQ(Render(t.pieces), "echo {} [{}]");
  FieldScope braces;
  braces.syntax.input = "{x}";
  ASSERT_TRUE(ParseTemplate("cp {x} {x}.bak", braces, &t, &err)) << err;
  EXPECT_EQ(Render(t.pieces), "cp [{}] [{}].bak");
}

TEST(QuoteTemplateWordTest, QuotesTextAndKeepsReplacementStrings) {
  EXPECT_EQ(QuoteTemplateWord("a; b"), "'a; b'");
  EXPECT_EQ(QuoteTemplateWord("x{}y"), "x{}y");
  EXPECT_EQ(QuoteTemplateWord("$HOME/{/.}.txt"), "'$HOME/'{/.}.txt");
  EXPECT_EQ(QuoteTemplateWord("{#}"), "{#}");
  EXPECT_EQ(QuoteTemplateWord(""), "''");
  EXPECT_EQ(QuoteTemplateWord("plain"), "plain");
  EXPECT_EQ(QuoteTemplateWord("a b@@", TemplateSyntax{"@@"}), "'a b'@@");
  // The quoted word parses back to one word holding the value.
  CommandTemplate t;
  std::string err;
  ASSERT_TRUE(ParseTemplate("python3 -c " + QuoteTemplateWord("import sys; print(1)") + " {}", 1,
                            &t, &err));
  EXPECT_TRUE(t.use_shell);
}

// ---- columns (--colsep) and column names (--header) ----

struct Header {
  std::vector<std::string> names;
  FieldScope scope;
  explicit Header(std::vector<std::string> n, int num_sources = 1) : names(std::move(n)) {
    scope.num_sources = num_sources;
    scope.any_number = true;
    scope.names = &names;
    scope.names_origin = "the header of sweep.csv";
  }
};

TEST(ColumnTemplateTest, AnyColumnNumberWithColumns) {
  FieldScope scope;
  scope.any_number = true;
  CommandTemplate t;
  std::string err;
  ASSERT_TRUE(ParseTemplate("echo {7} {12/.}", scope, &t, &err)) << err;
  EXPECT_EQ(Render(t.pieces), "echo [{7}] [{12/.}]");
  EXPECT_FALSE(ParseTemplate("echo {0}", scope, &t, &err));
}

TEST(ColumnTemplateTest, NamesBecomeColumnNumbers) {
  Header h({"alpha", "beta", "a.b", "p-value"});
  CommandTemplate t;
  std::string err;
  ASSERT_TRUE(ParseTemplate("fit --a {alpha} --b={beta} {a.b} {p-value} {1}", h.scope, &t, &err))
      << err;
  EXPECT_EQ(Render(t.pieces), "fit --a [{1}] --b=[{2}] [{3}] [{4}] [{1}]");
  ASSERT_TRUE(ParseTemplate("x {alpha.} {alpha/} {beta//} {beta/.} {a.b.}", h.scope, &t, &err))
      << err;
  EXPECT_EQ(Render(t.pieces), "x [{1.}] [{1/}] [{2//}] [{2/.}] [{3.}]");
  std::vector<Piece> path;
  ASSERT_TRUE(ParsePathTemplate("out/{alpha}/{beta/.}.txt", h.scope, &path, &err)) << err;
  EXPECT_EQ(Render(path), "out/[{1}]/[{2/.}].txt");
}

TEST(ColumnTemplateTest, UnknownNameIsAnError) {
  Header h({"alpha", "beta"});
  CommandTemplate t;
  std::string err;
  EXPECT_FALSE(ParseTemplate("echo {nme}", h.scope, &t, &err));
  EXPECT_EQ(err, "no column 'nme' in the header of sweep.csv (columns: alpha, beta)");
  EXPECT_FALSE(ParseTemplate("echo {gamma/.}", h.scope, &t, &err));
  EXPECT_EQ(err, "no column 'gamma' in the header of sweep.csv (columns: alpha, beta)");
  std::vector<Piece> path;
  EXPECT_FALSE(ParsePathTemplate("out/{x}.txt", h.scope, &path, &err));
}

TEST(ColumnTemplateTest, BracesThatNameNothingStayLiteral) {
  Header h({"alpha"});
  CommandTemplate t;
  std::string err;
  for (const char* line : {"awk '{ print $1 }' {alpha}", "echo ${HOME} {alpha}",
                           "echo {a b} {alpha}", "echo {} {alpha}"}) {
    EXPECT_TRUE(ParseTemplate(line, h.scope, &t, &err)) << line << ": " << err;
  }
  ParseTemplate("echo {1x} {alpha}", h.scope, &t, &err);
  EXPECT_EQ(Render(t.pieces), "echo {1x} [{1}]");
}

TEST(ColumnTemplateTest, ManyNamesAreCutInTheMessage) {
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) names.push_back("c" + std::to_string(i));
  Header h(names);
  CommandTemplate t;
  std::string err;
  EXPECT_FALSE(ParseTemplate("echo {x}", h.scope, &t, &err));
  EXPECT_NE(err.find("c19, ...)"), std::string::npos) << err;
}

}  // namespace
}  // namespace coreflow
