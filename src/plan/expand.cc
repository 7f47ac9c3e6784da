#include "plan/expand.h"

#include <cstdint>

#include <fmt/format.h>

#include "base/hash.h"
#include "plan/quote.h"

namespace coreflow {
namespace {

// Whether a field stands for values of the batch's inputs, one per input, rather than for
// one value of the whole task: with -X the word around it repeats once per input.
bool RepeatsPerInput(const CommandTemplate& t, const Field& f) {
  return f.kind == Field::Kind::kInput && !(t.positional_inputs && f.source > 0);
}

// Every value of an input, rather than one of them (see ForEachFieldValue's `only`).
constexpr size_t kAllValues = SIZE_MAX;

// Calls `emit` with each value a replacement string stands for in this task, taking the
// inputs in [first, last) of the batch. `only` narrows {} (all of an input's values) to the
// value at that index: -X and -N repeat a word around {} once per value, as GNU parallel does.
template <typename Emit>
void ForEachFieldValue(const CommandTemplate& t, const Field& f, const TaskInput& in, size_t first,
                       size_t last, int slot, size_t only, Emit&& emit) {
  switch (f.kind) {
    case Field::Kind::kSeq:
      emit(fmt::format_int(in.seq).str());
      return;
    case Field::Kind::kSlot:
      emit(fmt::format_int(slot).str());
      return;
    case Field::Kind::kInput:
      if (t.positional_inputs && f.source > 0) {
        // -N: {n} is the batch's n-th value (with --colsep, counting the columns of each
        // input in turn); none past the end.
        auto n = static_cast<size_t>(f.source - 1);
        for (const auto& item : in.items) {
          if (n < item.size()) {
            emit(ApplyTransform(f.transform, item[n]));
            return;
          }
          n -= item.size();
        }
        return;
      }
      for (size_t i = first; i < last; ++i) {
        const auto& item = in.items[i];
        if (f.source > 0) {  // a column that an input line lacks stands for nothing
          auto n = static_cast<size_t>(f.source - 1);
          if (n < item.size()) emit(ApplyTransform(f.transform, item[n]));
        } else if (only != kAllValues) {
          if (only < item.size()) emit(ApplyTransform(f.transform, item[only]));
        } else {
          for (const std::string& v : item) emit(ApplyTransform(f.transform, v));
        }
      }
      return;
  }
}

bool WordRepeats(const CommandTemplate& t, const std::vector<Piece>& word) {
  for (const Piece& p : word) {
    if (p.is_field && RepeatsPerInput(t, p.field)) return true;
  }
  return false;
}

// How many times a repeated word is written for input i: once per value where it holds {}
// (several sources or columns), else once.
size_t Repeats(const std::vector<Piece>& word, const TaskInput& in, size_t i) {
  for (const Piece& p : word) {
    if (p.is_field && p.field.kind == Field::Kind::kInput && p.field.source == 0) {
      return in.items[i].size();
    }
  }
  return 1;
}

// Appends the pieces with the inputs in [first, last), values shell-quoted and several values
// of one field separated by blanks.
void AppendQuoted(const CommandTemplate& t, const std::vector<Piece>& pieces, const TaskInput& in,
                  size_t first, size_t last, int slot, size_t only, std::string* line) {
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      line->append(p.text);
      continue;
    }
    bool first_value = true;
    ForEachFieldValue(t, p.field, in, first, last, slot, only, [&](const std::string& v) {
      if (!first_value) line->push_back(' ');
      first_value = false;
      AppendShellQuoted(v, line);
    });
  }
}

// Appends argv words made of `word` with the inputs in [first, last). A field with several
// values (several sources, or a batch) splits its word, exactly as the shell would split the
// quoted values GNU parallel writes there.
void AppendWords(const CommandTemplate& t, const std::vector<Piece>& word, const TaskInput& in,
                 size_t first, size_t last, int slot, size_t only, std::vector<std::string>* argv) {
  std::string current;
  bool something = false;  // a word of fields that stand for nothing (-N's {2} of a batch of
                           // one) is left out, as GNU parallel does
  for (const Piece& p : word) {
    if (!p.is_field) {
      current.append(p.text);
      something = true;
      continue;
    }
    bool first_value = true;
    ForEachFieldValue(t, p.field, in, first, last, slot, only, [&](const std::string& v) {
      if (!first_value) {
        argv->push_back(std::move(current));
        current.clear();
      }
      first_value = false;
      something = true;
      current.append(v);
    });
  }
  if (something) argv->push_back(std::move(current));
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

std::string DescribeInput(const TaskInput& in, size_t max_bytes) {
  std::string out;
  for (const auto& item : in.items) {
    for (const std::string& value : item) {
      if (!out.empty()) out.push_back(' ');
      AppendShellQuoted(value, &out);
      if (out.size() > max_bytes) break;  // a batch of thousands is named by its first ones
    }
    if (out.size() > max_bytes) break;
  }
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes > 3 ? max_bytes - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "...";
}

std::string ExpandCommandLine(const CommandTemplate& t, const TaskInput& in, int slot) {
  if (t.inputs_are_commands) return RawInputLine(in);
  std::string line;
  size_t n = in.items.size();
  if (!t.context_replace) {
    AppendQuoted(t, t.pieces, in, 0, n, slot, kAllValues, &line);
    return line;
  }
  for (const auto& word : t.blank_words) {
    if (!line.empty()) line.push_back(' ');
    if (!WordRepeats(t, word)) {
      AppendQuoted(t, word, in, 0, n, slot, kAllValues, &line);
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      size_t repeats = Repeats(word, in, i);
      for (size_t j = 0; j < repeats; ++j) {
        if (i > 0 || j > 0) line.push_back(' ');
        AppendQuoted(t, word, in, i, i + 1, slot, repeats > 1 ? j : kAllValues, &line);
      }
    }
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
  ExpandWords(t, in, slot, &out->argv);
}

void ExpandWords(const CommandTemplate& t, const TaskInput& in, int slot,
                 std::vector<std::string>* out) {
  size_t n = in.items.size();
  for (const auto& word : t.use_shell ? t.blank_words : t.words) {
    if (!t.context_replace || !WordRepeats(t, word)) {
      AppendWords(t, word, in, 0, n, slot, kAllValues, out);
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      size_t repeats = Repeats(word, in, i);
      for (size_t j = 0; j < repeats; ++j) {
        AppendWords(t, word, in, i, i + 1, slot, repeats > 1 ? j : kAllValues, out);
      }
    }
  }
}

std::string ExpandPath(const std::vector<Piece>& pieces, const TaskInput& in) {
  return ExpandText(pieces, in, 0);
}

std::string ExpandText(const std::vector<Piece>& pieces, const TaskInput& in, int slot) {
  static const CommandTemplate kPlain;  // per task: no batch positions
  std::string path;
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      path.append(p.text);
      continue;
    }
    bool first = true;
    ForEachFieldValue(kPlain, p.field, in, 0, in.items.size(), slot, kAllValues,
                      [&](const std::string& v) {
                        if (!first) path.push_back(' ');
                        first = false;
                        path.append(v);
                      });
  }
  return path;
}

namespace {

uint64_t TaskKeyV1(std::string_view template_text, const TaskInput& in) {
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

}  // namespace

Hash128 TaskKey(std::string_view template_text, const TaskInput& in, int version) {
  if (version == 1) return Hash128{0, TaskKeyV1(template_text, in)};
  // Each piece goes in after its length, so ("a b") and ("a", "b") never share a key.
  Hasher128 h;
  auto piece = [&h](char tag, std::string_view data) {
    fmt::format_int n(data.size());
    h.Update(std::string_view(&tag, 1));
    h.Update(std::string_view(n.data(), n.size()));
    h.Update(":");
    h.Update(data);
  };
  piece('T', template_text);
  for (const auto& item : in.items) {
    for (const std::string& v : item) piece('V', v);
    h.Update("\x1e");  // an input ends: ((a, b), (c)) is not ((a), (b, c))
  }
  return h.Digest();
}

Hash128 TemplateHash(std::string_view template_text, int version) {
  if (version == 1) return Hash128{0, Fnv1a64(template_text)};
  return Xxh3Hash128(template_text);
}

}  // namespace coreflow
