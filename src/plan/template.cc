#include "plan/template.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "plan/param_field.h"
#include "plan/quote.h"

namespace coreflow {
namespace {

// Characters that make /bin/sh do more than split words on blanks.
bool IsShellSyntax(char c) {
  switch (c) {
    case '|':
    case '&':
    case ';':
    case '<':
    case '>':
    case '(':
    case ')':
    case '$':
    case '`':
    case '\\':
    case '"':
    case '\'':
    case '*':
    case '?':
    case '[':
    case ']':
    case '#':
    case '~':
    case '!':
    case '\n':
    case '\r':
      return true;
    default:
      return false;
  }
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Shell builtins and keywords that have no program of their own: they need the shell.
bool IsShellOnlyWord(std::string_view w) {
  static constexpr std::array<std::string_view, 45> kWords = {
      ".",     ":",      "alias",    "bg",      "break", "cd",      "command", "continue", "eval",
      "exec",  "exit",   "export",   "fc",      "fg",    "getopts", "hash",    "jobs",     "let",
      "local", "read",   "readonly", "return",  "set",   "shift",   "source",  "times",    "trap",
      "type",  "ulimit", "umask",    "unalias", "unset", "wait",    "if",      "then",     "else",
      "elif",  "fi",     "for",      "while",   "until", "do",      "done",    "case",     "{"};
  for (std::string_view k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// Tries to read a replacement string at text[i] == '{'. Returns its length, 0 if the brace is
// literal text, or -1 with *err set for a malformed one.
// `what` names the text in errors: "the command template" or "the output path".
int ParseField(std::string_view text, size_t i, const FieldScope& scope, std::string_view what,
               Field* field, std::string* err) {
  size_t j = i + 1;
  // GNU parallel's {= perl expression =}: running it as text would be silently wrong.
  if (j < text.size() && text[j] == '=' && text.find("=}", j + 1) != std::string_view::npos) {
    *err = fmt::format(
        "{} '{}' holds a {{= perl expression =}}, which coreflow does not run; use the "
        "replacement strings {{.}} {{/}} {{//}} {{/.}}, or shell code such as $(basename {{}} .gz)",
        what, text);
    return -1;
  }
  auto at_word_end = [&](size_t k) { return k >= text.size() || IsBlank(text[k]); };
  if (j < text.size() && (text[j] == '#' || text[j] == '%')) {
    if (j + 1 < text.size() && text[j + 1] == '}') {
      field->kind = text[j] == '#' ? Field::Kind::kSeq : Field::Kind::kSlot;
      return 3;
    }
    if (at_word_end(j + 1)) {
      *err = fmt::format("unclosed '{{' at column {} of {} '{}'", i + 1, what, text);
      return -1;
    }
    return 0;
  }
  size_t digits_begin = j;
  while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
  std::string_view digits = text.substr(digits_begin, j - digits_begin);
  size_t suffix_begin = j;
  while (j < text.size() && (text[j] == '.' || text[j] == '/')) ++j;
  std::string_view suffix = text.substr(suffix_begin, j - suffix_begin);
  // "{1", "{.", "{2/." ending a word, or "{" ending the template: an unfinished replacement
  // string. A "{" before a blank is shell grouping ("{ cmd; }") and stays literal.
  bool started = !digits.empty() || !suffix.empty() || j >= text.size();
  if (at_word_end(j) && started && suffix.size() <= 2) {
    *err = fmt::format("unclosed '{{' at column {} of {} '{}'", i + 1, what, text);
    return -1;
  }
  if (j >= text.size()) return 0;
  if (text[j] != '}') return 0;  // e.g. awk '{print $1}': literal braces
  Transform t;
  if (suffix.empty()) {
    t = Transform::kNone;
  } else if (suffix == ".") {
    t = Transform::kNoExtension;
  } else if (suffix == "/") {
    t = Transform::kBasename;
  } else if (suffix == "//") {
    t = Transform::kDirname;
  } else if (suffix == "/.") {
    t = Transform::kBasenameNoExtension;
  } else {
    return 0;  // not one of ours, e.g. {..}: literal
  }
  int source = 0;
  if (!digits.empty()) {
    if (digits.size() > 6) return 0;
    source = std::stoi(std::string(digits));
    if (source < 1) {
      *err = fmt::format("{} uses {{{}{}}} but input sources are numbered from 1", what, digits,
                         suffix);
      return -1;
    }
    if (source > scope.num_sources && !scope.any_number) {
      int num_sources = scope.num_sources;
      *err = num_sources == 1 ? fmt::format("{} uses {{{}{}}} but there is only 1 input source",
                                            what, digits, suffix)
                              : fmt::format("{} uses {{{}{}}} but there are {} input sources", what,
                                            digits, suffix, num_sources);
      return -1;
    }
  }
  field->kind = Field::Kind::kInput;
  field->source = source;
  field->transform = t;
  return static_cast<int>(j - i + 1);
}

// The transforms a replacement string may end with, longest suffix first.
constexpr std::array<Transform, 4> kSuffixed = {Transform::kBasenameNoExtension,
                                                Transform::kDirname, Transform::kNoExtension,
                                                Transform::kBasename};

// The column called `name` (1-based), or 0.
int ColumnOf(const FieldScope& scope, std::string_view name) {
  if (name.empty()) return 0;
  for (size_t n = 0; n < scope.names->size(); ++n) {
    if ((*scope.names)[n] == name) return static_cast<int>(n) + 1;
  }
  return 0;
}

// What a mistyped column name looks like: a word, not awk's `{ print }` nor the shell's ${x}.
bool LooksLikeName(std::string_view text, size_t brace, std::string_view name) {
  if (brace > 0 && text[brace - 1] == '$') return false;
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string ListNames(const std::vector<std::string>& names) {
  std::string list;
  size_t shown = 0;
  for (const std::string& n : names) {
    if (n.empty()) continue;
    if (++shown > 20) return list + ", ...";
    list += (list.empty() ? "" : ", ") + n;
  }
  return list.empty() ? "none" : list;
}

// With --header: {name}, {name.}, {name/}, {name//} or {name/.} at text[i] == '{'. Returns its
// length, 0 if it is literal text, or -1 with *err set for a name that no column has.
int ParseNamedField(std::string_view text, size_t i, const FieldScope& scope, Field* field,
                    std::string* err) {
  size_t close = text.find('}', i + 1);
  if (close == std::string_view::npos) return 0;
  std::string_view inner = text.substr(i + 1, close - i - 1);
  if (inner.empty() || inner.find_first_of(" \t\n{") != std::string_view::npos) return 0;
  field->kind = Field::Kind::kInput;
  field->transform = Transform::kNone;
  field->source = ColumnOf(scope, inner);
  std::string_view base = inner;  // the name without the longest suffix, for the message
  for (size_t k = 0; field->source == 0 && k < kSuffixed.size(); ++k) {
    std::string_view suffix = TransformSuffix(kSuffixed[k]);
    if (inner.size() <= suffix.size() || !inner.ends_with(suffix)) continue;
    std::string_view name = inner.substr(0, inner.size() - suffix.size());
    if (base == inner) base = name;
    field->source = ColumnOf(scope, name);
    if (field->source > 0) field->transform = kSuffixed[k];
  }
  if (field->source > 0) return static_cast<int>(close - i + 1);
  if (!LooksLikeName(text, i, base)) return 0;
  *err = fmt::format("no column '{}' in {} (columns: {})", base, scope.names_origin,
                     ListNames(*scope.names));
  return -1;
}

void AddLiteral(std::vector<Piece>* pieces, std::string_view text) {
  if (text.empty()) return;
  if (!pieces->empty() && !pieces->back().is_field) {
    pieces->back().text.append(text);
  } else {
    pieces->push_back(Piece{false, std::string(text), {}});
  }
}

// Splits the pieces into argv words on blanks; fields stick to the text around them.
void SplitWords(const std::vector<Piece>& pieces, std::vector<std::vector<Piece>>* words) {
  std::vector<Piece> current;
  auto flush = [&] {
    if (!current.empty()) words->push_back(std::move(current));
    current.clear();
  };
  for (const Piece& p : pieces) {
    if (p.is_field) {
      current.push_back(p);
      continue;
    }
    size_t i = 0;
    while (i < p.text.size()) {
      if (IsBlank(p.text[i])) {
        flush();
        ++i;
        continue;
      }
      size_t j = i;
      while (j < p.text.size() && !IsBlank(p.text[j])) ++j;
      AddLiteral(&current, std::string_view(p.text).substr(i, j - i));
      i = j;
    }
  }
  flush();
}

bool NeedsShell(const std::vector<Piece>& pieces) {
  for (const Piece& p : pieces) {
    if (p.is_field) continue;
    for (char c : p.text) {
      if (IsShellSyntax(c)) return true;
    }
  }
  // The first word decides whether it is a shell builtin or a VAR=value assignment.
  std::string first;
  for (const Piece& p : pieces) {
    if (p.is_field) break;
    size_t i = 0;
    while (first.empty() && i < p.text.size() && IsBlank(p.text[i])) ++i;
    size_t j = i;
    while (j < p.text.size() && !IsBlank(p.text[j])) ++j;
    first.append(p.text, i, j - i);
    if (j < p.text.size()) break;
  }
  return first.find('=') != std::string::npos || IsShellOnlyWord(first);
}

// The length of the -I replacement string at line[i], or 0.
size_t CustomInputAt(std::string_view line, size_t i, const TemplateSyntax& syntax) {
  if (syntax.input == "{}" || syntax.input.empty()) return 0;
  return line.substr(i, syntax.input.size()) == syntax.input ? syntax.input.size() : 0;
}

bool IsPlainInput(const Field& f, int len) {
  return len == 2 && f.kind == Field::Kind::kInput && f.source == 0;
}

// In a pipeline's stage: {NAME.output(s)} or {group...} at text[i] == '{'. Returns its length,
// 0 if it is none of them, or -1 with *err for a {NAME.output} that names no earlier stage.
int ParseStageField(std::string_view text, size_t i, const FieldScope& scope, std::string_view what,
                    Field* field, std::string* err) {
  size_t close = text.find('}', i + 1);
  if (close == std::string_view::npos) return 0;
  std::string_view inner = text.substr(i + 1, close - i - 1);
  auto length = static_cast<int>(close - i + 1);
  if (scope.gather && inner.starts_with("group")) {
    std::string_view suffix = inner.substr(5);
    for (Transform t : {Transform::kNone, Transform::kNoExtension, Transform::kBasename,
                        Transform::kDirname, Transform::kBasenameNoExtension}) {
      if (suffix != TransformSuffix(t)) continue;
      *field = Field{Field::Kind::kGroup, 0, t, false};
      return length;
    }
  }
  for (std::string_view kind : {".outputs", ".output"}) {
    if (inner.size() <= kind.size() || !inner.ends_with(kind)) continue;
    std::string_view name = inner.substr(0, inner.size() - kind.size());
    if (!LooksLikeName(text, i, name)) return 0;
    for (size_t s = 0; scope.stages != nullptr && s < scope.stages->size(); ++s) {
      if ((*scope.stages)[s] != name) continue;
      *field = Field{Field::Kind::kStageOutput, static_cast<int>(s), Transform::kNone,
                     kind == ".outputs"};
      return length;
    }
    *err = fmt::format("{} '{}' uses {{{}}} but no earlier stage is called '{}'", what, text, inner,
                       name);
    return -1;
  }
  return 0;
}

// Finds the replacement string at line[i]: its length (0 for literal text) and field, or -1.
int FieldAt(std::string_view line, size_t i, const FieldScope& scope, std::string_view what,
            Field* field, std::string* err) {
  const TemplateSyntax& syntax = scope.syntax;
  if (size_t n = CustomInputAt(line, i, syntax); n > 0) {
    *field = Field{};
    return static_cast<int>(n);
  }
  if (line[i] != '{') return 0;
  // {gpu}, unless --header names a column so.
  if (line.substr(i, 5) == "{gpu}" &&
      (scope.names == nullptr ||
       std::find(scope.names->begin(), scope.names->end(), "gpu") == scope.names->end())) {
    *field = Field{Field::Kind::kGpu, 0, Transform::kNone, false};
    return 5;
  }
  if (int len = ParamFieldAt(line, i, scope, what, field, err); len != 0) return len;
  if (scope.stages != nullptr || scope.gather) {
    if (int len = ParseStageField(line, i, scope, what, field, err); len != 0) return len;
  }
  int len = ParseField(line, i, scope, what, field, err);
  if (len == 0 && scope.names != nullptr) len = ParseNamedField(line, i, scope, field, err);
  // With -I, {} is plain text.
  if (len > 0 && syntax.input != "{}" && IsPlainInput(*field, len)) return 0;
  return len;
}

bool ParsePieces(std::string_view line, const FieldScope& scope, std::string_view what,
                 std::vector<Piece>* pieces, bool* has_field, bool* uses_slot, bool* uses_gpu,
                 std::string* err) {
  size_t literal_begin = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    Field field;
    int len = FieldAt(line, i, scope, what, &field, err);
    if (len < 0) return false;
    if (len == 0) continue;
    AddLiteral(pieces, line.substr(literal_begin, i - literal_begin));
    pieces->push_back(Piece{true, {}, field});
    *has_field = true;
    *uses_slot = *uses_slot || field.kind == Field::Kind::kSlot;
    *uses_gpu = *uses_gpu || field.kind == Field::Kind::kGpu;
    i += static_cast<size_t>(len) - 1;
    literal_begin = i + 1;
  }
  AddLiteral(pieces, line.substr(literal_begin));
  return true;
}

}  // namespace

bool SplitPlainCommand(std::string_view line, std::vector<std::string>* argv) {
  std::vector<Piece> pieces;
  AddLiteral(&pieces, line);
  if (NeedsShell(pieces)) return false;
  std::vector<std::vector<Piece>> words;
  SplitWords(pieces, &words);
  if (words.empty()) return false;
  argv->clear();
  for (const auto& word : words) argv->push_back(word.empty() ? "" : word[0].text);
  return true;
}

bool HasReplacementString(std::string_view line, const FieldScope& scope) {
  std::vector<Piece> pieces;
  bool has_field = false, uses_slot = false, uses_gpu = false;
  std::string err;
  return ParsePieces(line, scope, "the template", &pieces, &has_field, &uses_slot, &uses_gpu,
                     &err) &&
         has_field;
}

bool ParseTemplate(std::string_view line, const FieldScope& scope, CommandTemplate* out,
                   std::string* err) {
  *out = CommandTemplate{};
  out->text = std::string(line);
  if (line.empty()) {
    out->inputs_are_commands = true;
    out->use_shell = true;
    return true;
  }
  bool blank = true;
  for (char c : line) blank = blank && (IsBlank(c) || c == '\n');
  if (blank) {
    *err = "the command template is empty; give a command, e.g. coreflow run gzip {} ::: *.txt";
    return false;
  }
  bool has_field = false;
  if (!ParsePieces(line, scope, "the template", &out->pieces, &has_field, &out->uses_slot,
                   &out->uses_gpu, err)) {
    return false;
  }
  if (!has_field) {  // as in GNU parallel, even {#} or {%} alone means "no input appended"
    AddLiteral(&out->pieces, " ");
    out->pieces.push_back(Piece{true, {}, Field{}});
  }
  out->use_shell = NeedsShell(out->pieces);
  if (!out->use_shell) SplitWords(out->pieces, &out->words);
  return true;
}

// The length of `{name}` at word[i] when the name is plain (letters, digits, _ . /): a column
// name that --header may give meaning to, kept whole by -q. 0 otherwise.
size_t PlainBracedAt(std::string_view word, size_t i) {
  if (word[i] != '{') return 0;
  size_t close = word.find('}', i + 1);
  if (close == std::string_view::npos || close == i + 1) return 0;
  for (size_t k = i + 1; k < close; ++k) {
    char c = word[k];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '/') return 0;
  }
  return close - i + 1;
}

std::string QuoteTemplateWord(std::string_view word, const TemplateSyntax& syntax) {
  if (word.empty()) return "''";
  std::string out;
  size_t literal_begin = 0;
  auto flush = [&](size_t end) {
    if (end > literal_begin)
      AppendShellQuoted(word.substr(literal_begin, end - literal_begin), &out);
  };
  FieldScope scope;
  scope.num_sources = 1 << 20;
  scope.syntax = syntax;
  for (size_t i = 0; i < word.size(); ++i) {
    Field field;
    std::string ignored;  // a malformed one is literal here; ParseTemplate reports it later
    int len = FieldAt(word, i, scope, "", &field, &ignored);
    if (len <= 0) len = static_cast<int>(PlainBracedAt(word, i));
    if (len <= 0) continue;
    flush(i);
    out.append(word.substr(i, static_cast<size_t>(len)));
    i += static_cast<size_t>(len) - 1;
    literal_begin = i + 1;
  }
  flush(word.size());
  return out;
}

void SplitTemplateWords(CommandTemplate* t) {
  t->blank_words.clear();
  SplitWords(t->pieces, &t->blank_words);
}

void UseContextReplace(CommandTemplate* t) {
  t->context_replace = true;
  SplitTemplateWords(t);
}

bool ParsePathTemplate(std::string_view text, const FieldScope& scope, std::vector<Piece>* out,
                       std::string* err) {
  out->clear();
  if (text.empty()) {
    *err = "an output path template is empty";
    return false;
  }
  bool has_field = false;
  bool uses_slot = false;
  bool uses_gpu = false;
  FieldScope plain = scope;  // -I respells the command's {} only
  plain.syntax = TemplateSyntax{};
  if (!ParsePieces(text, plain, "the output path", out, &has_field, &uses_slot, &uses_gpu, err)) {
    return false;
  }
  if (uses_slot || uses_gpu) {
    *err = fmt::format(
        "output path '{}' uses {}, which differs between runs; use {{#}} or an "
        "input",
        text, uses_slot ? "{%}" : "{gpu}");
    return false;
  }
  return true;
}

bool ParseTextTemplate(std::string_view text, const FieldScope& scope, std::vector<Piece>* out,
                       std::string* err) {
  out->clear();
  bool has_field = false;
  bool uses_slot = false;
  bool uses_gpu = false;
  FieldScope plain = scope;  // -I respells the command's {} only
  plain.syntax = TemplateSyntax{};
  return ParsePieces(text, plain, "the text", out, &has_field, &uses_slot, &uses_gpu, err);
}

}  // namespace coreflow
