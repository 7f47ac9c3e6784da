#include "plan/expand.h"

#include <cstdint>

#include <fmt/format.h>

#include "base/hash.h"
#include "plan/quote.h"

namespace coreflow {
namespace {

// Whether a field stands for values of the batch, one at a time, rather than for one value of
// the whole task: with -X the word around it repeats once per value.
bool RepeatsPerInput(const CommandTemplate& t, const Field& f) {
  return f.kind == Field::Kind::kInput && !(t.flat_inputs && f.source > 0);
}

// How many times a repeating word repeats: once per value of a flat batch, else per input.
size_t Units(const CommandTemplate& t, const TaskInput& in) {
  if (!t.flat_inputs || in.items.empty()) return in.items.size();
  if (!in.ragged) return in.items.size() * in.items[0].size();
  size_t n = 0;
  for (const auto& item : in.items) n += item.size();
  return n;
}

// The k-th value of a flat batch, or null past its end. Inputs of one width (one value per
// source) are a matrix; --colsep rows of different lengths are walked.
const std::string* FlatValue(const TaskInput& in, size_t k) {
  if (in.items.empty()) return nullptr;
  if (in.ragged) {
    for (const auto& item : in.items) {
      if (k < item.size()) return &item[k];
      k -= item.size();
    }
    return nullptr;
  }
  size_t width = in.items[0].size();
  if (width == 0) return nullptr;
  size_t i = k / width;
  if (i >= in.items.size() || k % width >= in.items[i].size()) return nullptr;
  return &in.items[i][k % width];
}

// Calls `emit` with each value a replacement string stands for in this task, taking the
// units (Units()) in [first, last) of the batch.
template <typename Emit>
void ForEachFieldValue(const CommandTemplate& t, const Field& f, const TaskInput& in, size_t first,
                       size_t last, int slot, Emit&& emit) {
  switch (f.kind) {
    case Field::Kind::kSeq:
      emit(fmt::format_int(in.seq).str());
      return;
    case Field::Kind::kSlot:
      emit(fmt::format_int(slot).str());
      return;
    case Field::Kind::kStageOutput:
      if (auto s = static_cast<size_t>(f.source); s < in.stage_outputs.size()) {
        const std::vector<std::string>& paths = in.stage_outputs[s];
        for (size_t k = 0; k < paths.size() && (f.all || k == 0); ++k) emit(paths[k]);
      }
      return;
    case Field::Kind::kGroup:
      emit(ApplyTransform(f.transform, in.group));
      return;
    case Field::Kind::kGpu:
      emit(in.gpus);
      return;
    case Field::Kind::kParam:
      for (const auto& [name, value] : in.params) {
        if (name == f.name) emit(value);
      }
      return;
    case Field::Kind::kInput:
      if (t.flat_inputs) {  // {n}: the n-th value, none past the end; {}: each value in turn
        size_t k = f.source > 0 ? static_cast<size_t>(f.source - 1) : first;
        size_t end = f.source > 0 ? k + 1 : last;
        for (; k < end; ++k) {
          if (const std::string* v = FlatValue(in, k)) emit(ApplyTransform(f.transform, *v));
        }
        return;
      }
      for (size_t i = first; i < last; ++i) {
        const auto& item = in.items[i];
        if (f.source > 0) {  // a column that an input line lacks stands for nothing
          auto n = static_cast<size_t>(f.source - 1);
          if (n < item.size()) emit(ApplyTransform(f.transform, item[n]));
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

// Appends the pieces with the units in [first, last), values shell-quoted and several values
// of one field separated by blanks.
void AppendQuoted(const CommandTemplate& t, const std::vector<Piece>& pieces, const TaskInput& in,
                  size_t first, size_t last, int slot, std::string* line) {
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      line->append(p.text);
      continue;
    }
    bool first_value = true;
    ForEachFieldValue(t, p.field, in, first, last, slot, [&](const std::string& v) {
      if (!first_value) line->push_back(' ');
      first_value = false;
      AppendShellQuoted(v, line);
    });
  }
}

// Appends argv words made of `word` with the units in [first, last). A field with several
// values (several sources, or a batch) splits its word, exactly as the shell would split the
// quoted values GNU parallel writes there.
void AppendWords(const CommandTemplate& t, const std::vector<Piece>& word, const TaskInput& in,
                 size_t first, size_t last, int slot, std::vector<std::string>* argv) {
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
    ForEachFieldValue(t, p.field, in, first, last, slot, [&](const std::string& v) {
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
  size_t n = Units(t, in);
  if (!t.context_replace) {
    AppendQuoted(t, t.pieces, in, 0, n, slot, &line);
    return line;
  }
  for (const auto& word : t.blank_words) {
    if (!line.empty()) line.push_back(' ');
    if (!WordRepeats(t, word)) {
      AppendQuoted(t, word, in, 0, n, slot, &line);
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) line.push_back(' ');
      AppendQuoted(t, word, in, i, i + 1, slot, &line);
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
  size_t n = Units(t, in);
  for (const auto& word : t.use_shell ? t.blank_words : t.words) {
    if (!t.context_replace || !WordRepeats(t, word)) {
      AppendWords(t, word, in, 0, n, slot, out);
      continue;
    }
    for (size_t i = 0; i < n; ++i) AppendWords(t, word, in, i, i + 1, slot, out);
  }
}

std::string ExpandPath(const std::vector<Piece>& pieces, const TaskInput& in) {
  return ExpandText(pieces, in, 0);
}

std::string ExpandText(const std::vector<Piece>& pieces, const TaskInput& in, int slot) {
  static const CommandTemplate kPlain;  // per task: no batch positions
  std::string text;
  for (const Piece& p : pieces) {
    if (!p.is_field) {
      text.append(p.text);
      continue;
    }
    bool first = true;
    ForEachFieldValue(kPlain, p.field, in, 0, in.items.size(), slot, [&](const std::string& v) {
      if (!first) text.push_back(' ');
      first = false;
      text.append(v);
    });
  }
  return text;
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
