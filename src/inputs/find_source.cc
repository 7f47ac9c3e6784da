#include "inputs/find_source.h"

#include <fmt/format.h>

#include "base/plural.h"
#include "sys/fd.h"

namespace coreflow {

FindSource::FindSource(DirectoryReader* reader, FindPattern pattern, int threads)
    : text_(pattern.text), root_(pattern.root), walk_(reader, std::move(pattern), threads) {}

ReadStatus FindSource::Next(std::string* value, std::string* err) {
  switch (walk_.Next(value, err)) {
    case TreeWalk::Step::kMatch:
      ++matches_;
      return ReadStatus::kValue;
    case TreeWalk::Step::kNotYet:
      return ReadStatus::kWouldBlock;
    case TreeWalk::Step::kError:
      return ReadStatus::kError;
    case TreeWalk::Step::kEnd:
      break;
  }
  if (matches_ > 0) return ReadStatus::kEnd;
  *err = fmt::format(
      "--find '{}' matches nothing ({} read under '{}'); check the pattern: '*' "
      "stays within one directory, '**' goes down any number",
      text_, Plural(walk_.directories_read(), "directory", "directories"), root_);
  return ReadStatus::kError;
}

bool FindAll(const std::string& pattern, int threads, std::vector<std::string>* paths,
             std::string* err) {
  FindPattern parsed;
  if (!ParseFindPattern(pattern, &parsed, err)) return false;
  SystemDirectoryReader reader;
  FindSource source(&reader, std::move(parsed), threads);
  if (!source.Start(err)) return false;
  for (;;) {
    std::string path;
    switch (source.Next(&path, err)) {
      case ReadStatus::kValue:
        paths->push_back(std::move(path));
        break;
      case ReadStatus::kWouldBlock:
        WaitReadable(source.fd());
        break;
      case ReadStatus::kEnd:
        return true;
      case ReadStatus::kError:
        return false;
    }
  }
}

}  // namespace coreflow
