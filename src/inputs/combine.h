#pragma once

#include <memory>
#include <string>
#include <vector>

#include "inputs/source.h"

namespace coreflow {

// One input source as the user wrote it.
struct SourceSpec {
  enum class Kind { kArgs, kFile, kStdin };
  Kind kind = Kind::kArgs;
  std::vector<std::string> args;  // kArgs
  std::string path;               // kFile
  bool linked = false;            // `:::+` / `::::+`: zipped with the source before it
};

// Produces one tuple of values per task: sources combine as a product (GNU parallel's `:::`),
// linked sources are zipped and stop at the shortest (`:::+`). The first group of sources is
// streamed; the other groups are read whole before the first tuple, since a product must
// revisit them.
class InputCombiner {
 public:
  // Opens files and reads the non-streaming groups. False with a message naming the input.
  bool Open(const std::vector<SourceSpec>& specs, char delimiter, std::string* err);

  // Tests and other callers can supply ready-made sources: groups[g] are zipped together.
  bool OpenSources(std::vector<std::vector<std::unique_ptr<InputSource>>> groups, std::string* err);

  ReadStatus Next(std::vector<std::string>* tuple, std::string* err);

  // The number of tuples still to come, when every streamed source can count its values
  // without consuming them (no pipe or terminal among them). Call before the first Next().
  bool CountRemaining(uint64_t* n) const;

  // The descriptor to wait on after kWouldBlock.
  int fd() const;
  int num_sources() const { return num_sources_; }

 private:
  ReadStatus ReadFirstGroup(std::string* err);
  bool Advance();  // steps the odometer over buffered groups; false when it wraps

  std::vector<std::unique_ptr<InputSource>> first_;          // streamed, zipped
  std::vector<std::vector<std::vector<std::string>>> rows_;  // buffered groups: rows of values
  std::vector<size_t> odometer_;
  std::vector<std::string> current_first_;
  std::vector<std::string> partial_;  // values of the first group read so far
  bool have_first_ = false;
  bool ended_ = false;
  int blocked_source_ = -1;
  int num_sources_ = 0;
};

}  // namespace coreflow
