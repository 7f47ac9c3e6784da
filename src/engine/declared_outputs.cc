#include "engine/declared_outputs.h"

#include <algorithm>

#include <fmt/format.h>

#include "journal/format.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/fd.h"

namespace coreflow {

DeclaredOutputs::DeclaredOutputs(Disk* disk, OutputOptions options)
    : disk_(disk), options_(options), index_(disk) {}

bool DeclaredOutputs::Parse(const std::vector<std::string>& texts, const FieldScope& scope,
                            bool batched, std::string* err) {
  for (const std::string& text : texts) {
    std::vector<Piece> pieces;
    if (!ParsePathTemplate(text, scope, &pieces, err)) {
      *err = "--outputs: " + *err;
      return false;
    }
    // One file for every task: a failed task's cleanup would remove what the others wrote.
    if (std::none_of(pieces.begin(), pieces.end(), [](const Piece& p) { return p.is_field; })) {
      *err = fmt::format(
          "--outputs '{}' is the same file for every task, so one task's failure would remove "
          "what the others wrote; name each task's own file, e.g. 'out/{{/.}}.txt'",
          text);
      return false;
    }
    // {#} numbers commands; with a batch one command holds several inputs, each with outputs.
    bool numbered = std::any_of(pieces.begin(), pieces.end(), [](const Piece& p) {
      return p.is_field && p.field.kind == Field::Kind::kSeq;
    });
    if (numbered && batched) {
      *err = fmt::format(
          "--outputs '{}' uses {{#}}, but with -N, -X or -m one task holds several inputs; name "
          "each input's file after the input, e.g. 'out/{{/.}}.txt'",
          text);
      return false;
    }
    texts_.push_back(text);
    dirs_.push_back(TemplateDirectory(pieces));
    templates_.push_back(std::move(pieces));
  }
  return true;
}

void DeclaredOutputs::Expand(const TaskInput& input, std::vector<std::string>* paths,
                             std::string* refused) const {
  for (size_t i = 0; i < templates_.size(); ++i) {
    std::string path = ExpandPath(templates_[i], input);
    if (refused->empty() && !StaysWithin(path, dirs_[i])) {
      *refused = fmt::format(
          "coreflow: input '{}' was not run: its output '{}' (--outputs '{}') is outside '{}/'\n",
          input.items.empty() || input.items[0].empty() ? "" : input.items[0][0], path, texts_[i],
          dirs_[i]);
    }
    paths->push_back(std::move(path));
  }
}

bool DeclaredOutputs::UpToDate(const std::vector<std::string>& paths) {
  if (options_.clobber) return false;
  return std::all_of(paths.begin(), paths.end(),
                     [this](const std::string& path) { return index_.Exists(path); });
}

void DeclaredOutputs::Listed(const std::string& dir, const std::vector<std::string>& names) {
  if (options_.clobber) return;
  bool may_hold = std::any_of(dirs_.begin(), dirs_.end(), [&dir](const std::string& fixed) {
    return fixed.empty() || dir == fixed || dir.rfind(fixed + "/", 0) == 0;
  });
  if (may_hold) index_.Know(dir, names);
}

std::vector<FileIdentity> DeclaredOutputs::Identify(const std::vector<std::string>& paths) const {
  std::vector<FileIdentity> states;
  states.reserve(paths.size());
  for (const std::string& path : paths) states.push_back(disk_->Stat(path));
  return states;
}

std::string DeclaredOutputs::Missing(TaskId task, const std::vector<std::string>& paths) const {
  std::string why;
  for (const std::string& path : paths) {
    if (disk_->Stat(path).exists) continue;
    why += fmt::format("coreflow: task {} exited 0 but did not write its output '{}'\n",
                       task.value(), path);
  }
  return why;
}

std::vector<std::string> DeclaredOutputs::DiscardFailed(
    const std::vector<std::string>& paths, const std::vector<FileIdentity>& before) const {
  // What was there before the attempt and is untouched is not the attempt's doing.
  return Discard(paths, [&before](size_t i, const FileIdentity& now) {
    return i < before.size() && before[i] == now;
  });
}

std::vector<std::string> DeclaredOutputs::DiscardCut(
    const std::vector<std::string>& paths,
    const std::vector<std::optional<FileIdentity>>& cut_before) const {
  // What the cut attempt found there, if the journal says, and left alone.
  return Discard(paths, [&cut_before](size_t i, const FileIdentity& now) {
    return i < cut_before.size() && cut_before[i] && SameFileState(*cut_before[i], now);
  });
}

std::vector<std::string> DeclaredOutputs::Discard(
    const std::vector<std::string>& paths,
    const std::function<bool(size_t, const FileIdentity&)>& untouched) const {
  std::vector<std::string> warnings;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    FileIdentity now = disk_->Stat(path);
    if (!now.exists || untouched(i, now)) continue;
    // Never outside the directory the template names (a value holding '..').
    size_t which = templates_.empty() ? 0 : i % templates_.size();
    if (which < dirs_.size() && !StaysWithin(path, dirs_[which])) continue;
    int e = options_.keep_failed ? disk_->Move(path, path + ".failed") : disk_->Remove(path);
    if (e != 0) {
      warnings.push_back(fmt::format("coreflow: warning: cannot {} partial output '{}': {}\n",
                                     options_.keep_failed ? "move aside" : "remove", path,
                                     ErrnoText(e)));
    }
  }
  return warnings;
}

}  // namespace coreflow
