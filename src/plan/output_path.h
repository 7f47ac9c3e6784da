#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/template.h"

namespace coreflow {

// `path` with "." and ".." resolved by name, as the file system would without symbolic links:
// "out/../x" is "x", "out/a/../../../x" is "../x", "/a/../../x" is "/x". Empty stays empty.
std::string NormalizePath(std::string_view path);

// The directory an --outputs template fixes before its first replacement string: "out" for
// 'out/{/.}.tsv', "/scratch/run" for '/scratch/run/{}.txt', "" for '{.}.bam' (none).
std::string TemplateDirectory(const std::vector<Piece>& pieces);

// Whether `path` lies inside `dir` once both are normalized; always true for an empty `dir`.
bool StaysWithin(std::string_view path, std::string_view dir);

}  // namespace coreflow
