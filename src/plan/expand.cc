#include "plan/expand.h"

#include <fmt/format.h>

#include "base/hash.h"
#include "plan/quote.h"

namespace coreflow {
namespace {

// Calls `emit` with each value a replacement string stands for in this task.
template <typename Emit>
void ForEachFieldValue(const Field& f, const TaskInput& in, int slot, Emit&& emit) {
  switch (f.kind) {
    case Field::Kind::kSeq:
      emit(fmt::format_int(in.seq).str());
      return;
    case Field::Kind::kSlot:
      emit(fmt::format_int(slot).str());
      return;
    case Field::Kind::kInput:
      for (const auto& item : in.items) {
        if (f.source > 0) {
          emit(ApplyTransform(f.transform, item[static_cast<size_t>(f.source - 1)]));
        } else {
          for (const std::string& v : item) emit(ApplyTransform(f.transform, v));
        }
      }
      return;
  }
}

std::string RawInputLine(const TaskInput& in) {
  std::string line;
  for (const auto& item : in.items) {
    for (const std::string& v : item) {
      if (!line.empty()) line.push_back(' ');
      line.append(v);
    }
  }
  return line;
}

}  // namespace

std::string ExpandCommandLine(const CommandTemplate& t, const TaskInput& in, int slot) {
  if (t.inputs_are_commands) return RawInputLine(in);
  std::string line;
  for (const Piece& p : t.pieces) {
    if (!p.is_field) {
      line.append(p.text);
      continue;
    }
    bool first = true;
    ForEachFieldValue(p.field, in, slot, [&](const std::string& v) {
      if (!first) line.push_back(' ');
      first = false;
      AppendShellQuoted(v, &line);
    });
  }
  return line;
}

void ExpandCommand(const CommandTemplate& t, const TaskInput& in, int slot, Command* out) {
  out->argv.clear();
  if (t.use_shell) {
    out->argv.push_back(kShellPath);
    out->argv.push_back("-c");
    out->argv.push_back(ExpandCommandLine(t, in, slot));
    return;
  }
  // A field with several values (several sources, or a batch) splits its word, exactly as the
  // shell would split the quoted values GNU parallel writes there.
  for (const auto& word : t.words) {
    std::string current;
    for (const Piece& p : word) {
      if (!p.is_field) {
        current.append(p.text);
        continue;
      }
      bool first = true;
      ForEachFieldValue(p.field, in, slot, [&](const std::string& v) {
        if (!first) {
          out->argv.push_back(std::move(current));
          current.clear();
        }
        first = false;
        current.append(v);
      });
    }
    out->argv.push_back(std::move(current));
  }
}

std::string ExpandPath(const std::vector<Piece>& pieces, const TaskInput& in) {
  std::string path;
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      path.append(p.text);
      continue;
    }
    bool first = true;
    ForEachFieldValue(p.field, in, 0, [&](const std::string& v) {
      if (!first) path.push_back(' ');
      first = false;
      path.append(v);
    });
  }
  return path;
}

uint64_t TaskKey(std::string_view template_text, const TaskInput& in) {
  // Lengths go in with the values, so ("a b") and ("a", "b") never share a key.
  uint64_t h = Fnv1a64(fmt::format_int(template_text.size()).str());
  h = Fnv1a64(template_text, h ^ 0x1d);
  for (const auto& item : in.items) {
    for (const std::string& v : item) {
      h = Fnv1a64(fmt::format_int(v.size()).str(), h ^ 0x1f);
      h = Fnv1a64(v, h);
    }
    h = Fnv1a64("\x1e", h);
  }
  return h;
}

}  // namespace coreflow
