#include "inputs/find_pattern.h"

#include <fnmatch.h>

#include <fmt/format.h>

namespace coreflow {
namespace {

std::vector<std::string> SplitComponents(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

bool HasWildcard(std::string_view component) {
  return component.find_first_of("*?[") != std::string_view::npos;
}

bool ParseFindPattern(std::string_view text, FindPattern* out, std::string* err) {
  *out = FindPattern{};
  out->text = std::string(text);
  if (text.empty()) {
    *err = "--find: the pattern is empty; give one such as 'data/**/*.pdb'";
    return false;
  }
  bool absolute = text.front() == '/';
  out->directories = text.back() == '/';
  std::vector<std::string> components = SplitComponents(text);
  if (components.empty()) {
    *err =
        fmt::format("--find '{}': give a pattern for the names to find, e.g. '/data/*.pdb'", text);
    return false;
  }
  // The literal directories before the first wildcard are where the walk starts; the last
  // component is always matched, so that 'data/x.pdb' finds one file if it is there.
  size_t first_part = 0;
  while (first_part + 1 < components.size() && !HasWildcard(components[first_part]) &&
         components[first_part] != "**") {
    ++first_part;
  }
  std::string root = absolute ? "/" : "";
  for (size_t i = 0; i < first_part; ++i) {
    if (!root.empty() && root.back() != '/') root += '/';
    root += components[i];
  }
  for (size_t i = first_part; i < components.size(); ++i) {
    const std::string& c = components[i];
    if (c == "." || c == "..") {
      *err = fmt::format(
          "--find '{}': '{}' after a wildcard matches nothing; write the directory before the "
          "first wildcard",
          text, c);
      return false;
    }
    // Two `**` in a row are one.
    if (c == "**" && !out->parts.empty() && out->parts.back() == "**") continue;
    out->parts.push_back(c);
  }
  out->shown_root = root;
  out->root = root.empty() ? "." : root;
  return true;
}

bool MatchesPart(const std::string& part, const std::string& name) {
  return ::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0;
}

}  // namespace coreflow
