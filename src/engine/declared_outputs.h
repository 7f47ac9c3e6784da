#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/ids.h"
#include "plan/task.h"
#include "plan/template.h"
#include "sys/disk.h"

namespace coreflow {

// How a run treats the files its tasks declare (--outputs).
struct OutputOptions {
  bool clobber = false;      // --clobber: run tasks even when their outputs exist
  bool keep_failed = false;  // --keep-failed-outputs: move a failed attempt's outputs aside
};

// The files each task declares it writes: their paths, whether a task is already done, whether
// it wrote them, and the cleanup of what a failed or cut-short attempt left. Paths of a task
// come input by input, per_input() of them each, in the order of the templates. Every file
// operation goes through the Disk.
class DeclaredOutputs {
 public:
  DeclaredOutputs(Disk* disk, OutputOptions options);

  // Parses --outputs' templates. False with *err (a usage error) when one names the same file
  // for every task, or numbers commands ({#}) while a task holds several inputs (`batched`).
  bool Parse(const std::vector<std::string>& texts, const FieldScope& scope, bool batched,
             std::string* err);
  bool empty() const { return templates_.empty(); }
  size_t per_input() const { return templates_.size(); }

  // Appends one input's output paths to *paths. The first path outside its template's
  // directory (a value holding '..') sets *refused, if still empty, to why the input must
  // not run.
  void Expand(const TaskInput& input, std::vector<std::string>* paths, std::string* refused) const;
  // Whether a task need not run: all its outputs exist and --clobber is off. Answered from one
  // listing per directory, cached for the run.
  bool UpToDate(const std::vector<std::string>& paths);
  // A directory's names read by an input walk: kept for UpToDate when outputs may be there.
  void Listed(const std::string& dir, const std::vector<std::string>& names);
  // What is at each path now: the "before" of an attempt.
  std::vector<FileIdentity> Identify(const std::vector<std::string>& paths) const;
  // Why a task that exited 0 failed after all: a line per output it did not write ("": none).
  std::string Missing(TaskId task, const std::vector<std::string>& paths) const;
  // After a failed attempt: removes (or moves aside) each output the attempt created or
  // changed, against `before`. Returns a warning line per output it could not clean.
  std::vector<std::string> DiscardFailed(const std::vector<std::string>& paths,
                                         const std::vector<FileIdentity>& before) const;
  // Before the first attempt of a task whose last attempt was cut short: removes what that
  // attempt may have half written, keeping what `cut_before` says was there before it (journal
  // version 2; nullopt or absent: unknown, removed). Warnings as DiscardFailed.
  std::vector<std::string> DiscardCut(
      const std::vector<std::string>& paths,
      const std::vector<std::optional<FileIdentity>>& cut_before) const;

 private:
  // Cleans each existing output that `untouched` (index, what is there now) does not keep.
  std::vector<std::string> Discard(
      const std::vector<std::string>& paths,
      const std::function<bool(size_t, const FileIdentity&)>& untouched) const;

  Disk* disk_;
  OutputOptions options_;
  std::vector<std::string> texts_;             // as given, for messages
  std::vector<std::vector<Piece>> templates_;  // parsed
  std::vector<std::string> dirs_;              // the directory each template fixes ("": none)
  DirectoryIndex index_;                       // whether outputs exist, one listing per directory
};

}  // namespace coreflow
