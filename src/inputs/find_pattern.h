#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// A path pattern for a directory walk (`--find 'pdb/**/*.pdb'`, a pipeline's `glob`): the
// literal directories it starts in, then one part per path component. A part is `**` (any
// number of directories, none included) or a shell pattern for one name (*, ?, [...]).
// A pattern that ends in '/' matches directories; any other matches what is not one.
struct FindPattern {
  std::string root;                // where the walk starts: "." when the pattern is relative
                                   // and starts with a wildcard
  std::string shown_root;          // what a match's path starts with: root, or "" for "."
  std::vector<std::string> parts;  // never empty
  bool directories = false;        // ends in '/'
  std::string text;                // as given, for messages
};

// Splits `text`. False with *err naming the pattern when it is empty or puts '.' or '..'
// after a wildcard.
bool ParseFindPattern(std::string_view text, FindPattern* out, std::string* err);

// Whether the name `name` matches part `part` (not `**`), as a shell would: a leading '.' is
// matched only by a part that starts with '.'.
bool MatchesPart(const std::string& part, const std::string& name);

// Whether a component holds a wildcard (* ? [).
bool HasWildcard(std::string_view component);

}  // namespace coreflow
