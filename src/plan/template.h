#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/replacement.h"

namespace coreflow {

// One replacement string: {} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}
struct Field {
  enum class Kind { kInput, kSeq, kSlot };
  Kind kind = Kind::kInput;
  int source = 0;  // 1-based input source for {n...}; 0 means every source ({}, {.}, ...)
  Transform transform = Transform::kNone;
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

// The largest n of a {n} (six digits; longer ones are literal text): as `num_sources` of
// ParseTemplate, any {n} is accepted.
inline constexpr int kAnyPosition = 999999;

// Parses `line` (the command words joined by spaces) for `num_sources` input sources.
// A line without any replacement string gets " {}" appended, as in GNU parallel.
// An empty `line` means the inputs themselves are the commands. Errors: an unclosed '{',
// {n} beyond the number of sources, a blank template.
bool ParseTemplate(std::string_view line, int num_sources, CommandTemplate* out, std::string* err);

// A plain command line (no replacement strings) as argv words, when it needs no shell: no
// pipes, quotes, redirections, variables or builtins. False when it needs /bin/sh -c.
bool SplitPlainCommand(std::string_view line, std::vector<std::string>* argv);

// Parses a path such as 'out/{/.}.tsv' (--outputs): the same replacement strings, expanded
// without quoting and with nothing appended. {%} is refused: a path must not depend on the slot.
bool ParsePathTemplate(std::string_view text, int num_sources, std::vector<Piece>* out,
                       std::string* err);

}  // namespace coreflow
