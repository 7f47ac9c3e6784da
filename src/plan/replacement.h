#pragma once

#include <string>
#include <string_view>

namespace coreflow {

// The path transformations of GNU parallel's replacement strings, with its exact edge cases.
enum class Transform {
  kNone,                 // {}
  kNoExtension,          // {.}   a/b.tar.gz -> a/b.tar ; .bashrc -> ""
  kBasename,             // {/}   a/b.tar.gz -> b.tar.gz ; dir/ -> ""
  kDirname,              // {//}  a/b.tar.gz -> a ; file -> . ; /a -> /
  kBasenameNoExtension,  // {/.}  a/b.tar.gz -> b.tar
};

std::string ApplyTransform(Transform t, std::string_view value);

// The suffix that selects a transform inside braces: "", ".", "/", "//", "/.".
const char* TransformSuffix(Transform t);

}  // namespace coreflow
