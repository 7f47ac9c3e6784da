#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/replacement.h"

namespace coreflow {

// One replacement string: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}, and with
// --header {name} {name.} ... for the column called name. In a pipeline's stage,
// {NAME.output} and {NAME.outputs} (an earlier stage's declared outputs) and, in a gather
// stage, {group} {group.} {group/} {group//} {group/.} (docs/pipelines.md). {gpu}: the ids of
// the GPUs the task holds, comma-separated (docs/gpus.md). {param:NAME}: the value the tuner
// gives the program's own parameter NAME (--tune-param, docs/tuning.md).
struct Field {
  enum class Kind { kInput, kSeq, kSlot, kStageOutput, kGroup, kGpu, kParam };
  Kind kind = Kind::kInput;
  // kInput: the 1-based input source for {n...}, 0 for every source ({}, {.}, ...);
  // kStageOutput: the stage (its index in the pipeline)
  int source = 0;
  Transform transform = Transform::kNone;
  bool all = false;  // kStageOutput: every output ({NAME.outputs}), not the first
  std::string name;  // kParam: the parameter's name
};

// A run of literal text or one replacement string.
struct Piece {
  bool is_field = false;
  std::string text;  // literal text when !is_field
  Field field;
};

// A parsed command template. GNU parallel joins the command words with spaces and reads the
// result as a shell command line; so do we. When the line needs no shell (no pipes, quotes,
// redirections, globs, variables, builtins) the program is executed directly, and substituted
// values become argv words literally; otherwise /bin/sh -c runs it with every value quoted.
struct CommandTemplate {
  std::vector<Piece> pieces;              // the whole command line, in order
  std::vector<std::vector<Piece>> words;  // argv words (only when !use_shell)
  bool use_shell = false;
  bool inputs_are_commands = false;  // no template given: each input is a command line
  bool uses_slot = false;            // has {%}
  bool uses_gpu = false;             // has {gpu}
  std::string text;                  // the command line as written
  // Batches (-N, -m, -X) put several inputs in one command. As in GNU parallel, the inputs of
  // -m, -X (and -N with one source) are one list of values, input after input: {n} is its
  // n-th value and {} stands for each of them.
  bool flat_inputs = false;
  bool context_replace = false;                 // -X: each word holding {} repeats once per value
  std::vector<std::vector<Piece>> blank_words;  // -X: the line split on blanks, shell or not
};

// -X (GNU parallel's context replace): `pre{}post` becomes `pre1post pre2post`, one word per
// input of the batch, instead of -m's `pre1 2post`.
void UseContextReplace(CommandTemplate* t);

// Fills blank_words: the line split on blanks, even where it needs a shell (--worker).
void SplitTemplateWords(CommandTemplate* t);

// How the input's replacement string is spelled: GNU parallel's -I STR replaces {} (and only
// {}: {.} {/} {#} keep their meaning, and a literal {} is then plain text).
struct TemplateSyntax {
  std::string input = "{}";
};

// What the replacement strings of a template may refer to.
struct FieldScope {
  int num_sources = 1;  // {n} beyond this is an error
  // Columns (--colsep, --header): {n} is the n-th column of all sources, and one that an input
  // line lacks stands for nothing, as in GNU parallel.
  bool any_number = false;
  // --header: the name of column n at n - 1; a {word} that names none is an error.
  const std::vector<std::string>* names = nullptr;
  std::string names_origin;  // "the header of sweep.csv", for that error
  TemplateSyntax syntax;     // -I: the command template's spelling of {}
  // A pipeline's stage: the names of the stages before it, whose outputs {NAME.output} and
  // {NAME.outputs} name (nullptr: not a pipeline); and whether it gathers ({group}).
  const std::vector<std::string>* stages = nullptr;
  bool gather = false;
  // --tune-param: the names {param:NAME} may use; a name not among them is an error.
  std::vector<std::string> params;
};

// The largest n of a {n} (six digits; longer ones are literal text): as `num_sources` of
// ParseTemplate, any {n} is accepted.
inline constexpr int kAnyPosition = 999999;

// Parses `line` (the command words joined by spaces) for `num_sources` input sources.
// A line without any replacement string gets " {}" appended, as in GNU parallel.
// An empty `line` means the inputs themselves are the commands. Errors: an unclosed '{',
// {n} beyond the number of sources, a {name} no column has, a blank template, GNU's
// {= perl =} (not supported).
bool ParseTemplate(std::string_view line, const FieldScope& scope, CommandTemplate* out,
                   std::string* err);
inline bool ParseTemplate(std::string_view line, int num_sources, CommandTemplate* out,
                          std::string* err) {
  FieldScope scope;
  scope.num_sources = num_sources;
  return ParseTemplate(line, scope, out, err);
}

// Whether `line` holds any replacement string, i.e. whether ParseTemplate would leave it as it
// is rather than append " {}" (false too when it does not parse).
bool HasReplacementString(std::string_view line, const FieldScope& scope);

// GNU parallel's -q: `word` as one literal shell word, its replacement strings left to be
// substituted (and their values quoted), so `python3 -c 'a; b'` stays one argument.
std::string QuoteTemplateWord(std::string_view word, const TemplateSyntax& syntax = {});

// A plain command line (no replacement strings) as argv words, when it needs no shell: no
// pipes, quotes, redirections, variables or builtins. False when it needs /bin/sh -c.
bool SplitPlainCommand(std::string_view line, std::vector<std::string>* argv);

// Parses a path such as 'out/{/.}.tsv' (--outputs): the same replacement strings, expanded
// without quoting and with nothing appended. {%} is refused: a path must not depend on the slot.
bool ParsePathTemplate(std::string_view text, const FieldScope& scope, std::vector<Piece>* out,
                       std::string* err);
inline bool ParsePathTemplate(std::string_view text, int num_sources, std::vector<Piece>* out,
                              std::string* err) {
  FieldScope scope;
  scope.num_sources = num_sources;
  return ParsePathTemplate(text, scope, out, err);
}

// Parses a text such as --tagstring '{#} {/.}': the same replacement strings, {%} included,
// expanded without quoting and with nothing appended.
bool ParseTextTemplate(std::string_view text, const FieldScope& scope, std::vector<Piece>* out,
                       std::string* err);

}  // namespace coreflow
