#pragma once

#include <string>

namespace coreflow {

// Staging (docs/staging.md): copies of inputs on node-local scratch, made by the coreflow
// program run as `coreflow __copy SRC DEST`, one task per file, so the engine's slots, journal
// and resume carry them like any task.
inline constexpr const char* kSelfExe = "/proc/self/exe";  // a task's exec of it is coreflow
inline constexpr const char* kCopyCommand = "__copy";
inline constexpr int kDefaultCopies = 8;  // copies at once, unless the stage's `slots` says

// `coreflow __copy SRC DEST`: SRC to DEST, whole or not at all (CopyFileWhole). Exit 0, or 1
// with one line on stderr naming the file and what failed.
int CopyMain(const char* src, const char* dest);

// Whether a path can stand in a command template as it is: no blanks, quotes or characters
// a shell reads.
bool PlainPath(const std::string& path);

}  // namespace coreflow
