#include "journal/merge.h"

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {

void JournalMerger::BeginJournal(std::string_view name) {
  name_ = std::string(name);
  if (summary_.journals == 0) first_name_ = name_;
  ++summary_.journals;
  at_header_ = true;
}

bool JournalMerger::AddLine(std::string_view line, const JournalInfo& info, std::string* err) {
  if (at_header_) {  // the parser checked it is a header
    at_header_ = false;
    if (summary_.journals > 1) {
      if (info.version != version_) {
        *err = fmt::format(
            "journal '{}' is of version {} and '{}' of version {}: one journal cannot hold both; "
            "resume them apart (--resume-from) or merge only those of one version",
            name_, info.version, first_name_, version_);
        return false;
      }
      if (info.template_hash != template_hash_) summary_.other_commands.push_back(name_);
      return true;  // the merged journal keeps the first header
    }
    version_ = info.version;
    template_hash_ = info.template_hash;
  } else if (!seen_.insert(Xxh3Hash128(line)).second) {
    bool column_names = line.substr(0, 4) == "Seq\t";  // part of every journal's header
    summary_.duplicates += column_names ? 0 : 1;
    return true;
  } else if (!line.empty() && line[0] != '#' && line.substr(0, 4) != "Seq\t") {
    ++summary_.records;
  }
  if (int e = write_(line); e != 0) {
    *err = ErrnoText(e);
    return false;
  }
  return true;
}

void JournalMerger::EndJournal(const JournalInfo& info) {
  if (info.torn_tail) summary_.torn.push_back(name_);
}

bool MergeJournalFiles(const std::vector<std::string>& inputs, const std::string& output,
                       MergeSummary* summary, std::string* err) {
  AtomicFileWriter file;
  if (int e = file.Open(output); e != 0) {
    *err = fmt::format("cannot write the merged journal '{}': {}", output, ErrnoText(e));
    return false;
  }
  std::string buffer;  // lines go out in pieces of about 1 MiB
  int write_error = 0;
  auto flush = [&] {
    if (write_error == 0 && !buffer.empty()) write_error = file.Write(buffer);
    buffer.clear();
    return write_error;
  };
  JournalMerger merger([&](std::string_view line) {
    buffer.append(line);
    buffer.push_back('\n');
    return buffer.size() >= (1u << 20) ? flush() : 0;
  });
  std::string merge_error;
  JournalCallbacks callbacks;
  callbacks.on_line = [&](std::string_view line, const JournalInfo& info) {
    if (merge_error.empty() && write_error == 0) merger.AddLine(line, info, &merge_error);
  };
  for (const std::string& input : inputs) {
    merger.BeginJournal(input);
    JournalInfo info;
    if (!ReadJournal(input, callbacks, &info, err)) return false;
    if (!merge_error.empty() || write_error != 0) break;
    merger.EndJournal(info);
  }
  flush();
  if (write_error != 0) {
    *err = fmt::format("cannot write the merged journal '{}': {}", output, ErrnoText(write_error));
    return false;
  }
  if (!merge_error.empty()) {
    *err = merge_error;
    return false;
  }
  if (int e = file.Commit(); e != 0) {
    *err = fmt::format("cannot write the merged journal '{}': {}", output, ErrnoText(e));
    return false;
  }
  *summary = merger.summary();
  return true;
}

}  // namespace coreflow
