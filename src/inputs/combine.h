#pragma once

#include <memory>
#include <string>
#include <vector>

#include "inputs/columns.h"
#include "inputs/source.h"
#include "inputs/tree_walk.h"
#include "inputs/tuple_queue.h"
#include "plan/template.h"

namespace coreflow {

// One input source as the user wrote it.
struct SourceSpec {
  enum class Kind { kArgs, kFile, kStdin, kFind };
  Kind kind = Kind::kArgs;
  std::vector<std::string> args;  // kArgs
  std::string path;               // kFile; kFind: the pattern
  bool linked = false;            // `:::+` / `::::+`: zipped with the source before it
};

// How values are read, and what a task's values are made of.
struct InputOptions {
  std::string delimiter = "\n";  // ends each value of a file or stdin (-d, -0)
  std::string colsep;     // --colsep: split each value into columns there (a regex); "" = do not
  bool header = false;    // --header: each source's first value names its columns (split on
                          // --colsep, else on tabs, as GNU parallel does)
  bool link = false;      // --link: every source is linked; the shorter ones start over until
                          // the longest ends
  int find_threads = 16;  // threads of each --find walk
  DirectoryReader* directories = nullptr;  // what --find walks; null: the file system
  TreeWalk::ListingObserver on_listing;    // told each directory a --find walk reads
  // --shard: only the tuples whose hash modulo shard_count is shard_index are given out, so
  // that a tuple's shard does not depend on where it is among the inputs.
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  // Tuples made elsewhere (coreflow-mpi: rank 0 read the sources and split the columns): the
  // sources are not opened, and every tuple is this queue's, as it comes.
  TupleQueue* remote = nullptr;
  // Whether a task's values are columns, so that {n} is the n-th column of all sources.
  bool columns() const { return !colsep.empty() || header; }
};

// Produces one tuple of values per task: sources combine as a product (GNU parallel's `:::`),
// linked sources are zipped and stop at the shortest (`:::+`), or with --link go on to the
// longest, the shorter ones starting over. The first group of sources is streamed; the other
// groups are read whole before the first tuple, since a product must revisit them. With
// columns, each value becomes its columns, and the tuple holds those of every source in turn.
// Whether a tuple of values belongs to shard `index` of `count` (--shard): by a hash of the
// values alone.
bool InShard(const std::vector<std::string>& tuple, uint32_t index, uint32_t count);

class InputCombiner {
 public:
  // Opens files, reads the headers and the non-streaming groups. False with a message naming
  // the input or option.
  bool Open(const std::vector<SourceSpec>& specs, const InputOptions& options, std::string* err);
  bool Open(const std::vector<SourceSpec>& specs, char delimiter, std::string* err) {
    InputOptions options;
    options.delimiter.assign(1, delimiter);
    return Open(specs, options, err);
  }

  // Tests and other callers can supply ready-made sources: groups[g] are zipped together.
  bool OpenSources(std::vector<std::vector<std::unique_ptr<InputSource>>> groups, std::string* err);

  ReadStatus Next(std::vector<std::string>* tuple, std::string* err);

  // The number of tuples still to come, when every streamed source can count its values
  // without consuming them (no pipe or terminal among them). Call before the first Next().
  bool CountRemaining(uint64_t* n) const;

  // The descriptor to wait on after kWouldBlock.
  int fd() const;
  int num_sources() const { return num_sources_; }
  // With --header: the name of column n at n - 1, numbered across sources as {n} is.
  const std::vector<std::string>& column_names() const { return column_names_; }
  // What the template's replacement strings may name: with columns any {n}, with --header
  // the column names (num_sources is left for the caller).
  FieldScope field_scope() const;

 private:
  ReadStatus NextTuple(std::vector<std::string>* tuple, std::string* err);  // any shard's
  bool ReadHeader(InputSource* source, const std::string& origin, std::string* err);
  ReadStatus ReadFirstGroup(std::string* err);
  ReadStatus NextOfFirstGroup(size_t i, std::string* value, std::string* err);
  bool Advance();  // steps the odometer over buffered groups; false when it wraps

  SystemDirectoryReader system_directories_;                 // outlives the sources
  std::vector<std::unique_ptr<InputSource>> first_;          // streamed, zipped
  std::vector<std::vector<std::vector<std::string>>> rows_;  // buffered groups: rows of values
  std::vector<size_t> odometer_;
  std::vector<std::string> current_first_;
  std::vector<std::string> partial_;  // values of the first group read so far
  bool have_first_ = false;
  bool ended_ = false;
  int blocked_source_ = -1;
  int num_sources_ = 0;
  InputOptions options_;
  ColumnSplitter splitter_;                  // with options_.columns()
  std::vector<bool> recycled_;               // --link: sources of the first group that ran out
  std::vector<std::string> column_names_;    // --header
  std::vector<std::string> header_origins_;  // where each source's header came from
};

}  // namespace coreflow
