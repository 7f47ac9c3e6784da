#include "plan/pipeline.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <set>

#include "base/parse.h"
#include "base/spelling.h"
#include "plan/pipeline_table.h"

namespace coreflow {
namespace {

const std::vector<std::string> kTopKeys = {"jobs", "input", "stage"};
const std::vector<std::string> kInputKeys = {"values", "file", "glob", "link"};
const std::vector<std::string> kStageKeys = {
    "name",    "command", "worker",  "threads", "mem",        "gpus", "timeout",
    "retries", "slots",   "outputs", "gather",  "group_size", "stage"};
const std::vector<std::string> kStagingKeys = {"to", "prefetch", "max"};

// Reads one table of the file; the first mistake is kept, with the line it is on.
class Reader {
 public:
  Reader(std::string_view origin, std::string* err) : origin_(origin), err_(err) {}

  bool Fail(const toml::node* at, const std::string& what) {
    if (failed_) return false;
    failed_ = true;
    int line = at != nullptr ? static_cast<int>(at->source().begin.line) : 0;
    *err_ = line > 0 ? fmt::format("{}:{}: {}", origin_, line, what)
                     : fmt::format("{}: {}", origin_, what);
    return false;
  }
  bool failed() const { return failed_; }

  // Every key of `table` must be one of `known`; the nearest is suggested for a slip.
  bool OnlyKnownKeys(const toml::table& table, const std::vector<std::string>& known,
                     const std::string& where) {
    for (const auto& [key, node] : table) {
      std::string name(key.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string near = NearestWord(name, known);
      return Fail(&node,
                  fmt::format("{}: unknown key '{}'{}", where, name,
                              near.empty() ? fmt::format(" (known: {})", fmt::join(known, ", "))
                                           : fmt::format(" (did you mean '{}'?)", near)));
    }
    return true;
  }

  bool String(const toml::table& t, std::string_view key, const std::string& where,
              std::string* out) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    if (!n->is_string()) return Fail(n, fmt::format("{}: '{}' must be a string", where, key));
    *out = n->value<std::string>().value_or("");
    return true;
  }

  bool Int(const toml::table& t, std::string_view key, const std::string& where, int64_t min,
           int* out) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    std::optional<int64_t> v = n->is_integer() ? n->value<int64_t>() : std::nullopt;
    if (!v || *v < min || *v > 1000000) {
      return Fail(
          n, fmt::format("{}: '{}' must be a whole number from {} to 1000000", where, key, min));
    }
    *out = static_cast<int>(*v);
    return true;
  }

  // A list of strings; a single string stands for a list of one. Numbers are taken as
  // written (`values = [1, 2]`), since on a command line they would be words too.
  bool Strings(const toml::table& t, std::string_view key, const std::string& where,
               std::vector<std::string>* out) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return true;
    if (n->is_string()) {
      out->push_back(n->value<std::string>().value_or(""));
      return true;
    }
    const toml::array* a = n->as_array();
    if (a == nullptr) return Fail(n, fmt::format("{}: '{}' must be a list of strings", where, key));
    for (const toml::node& e : *a) {
      if (e.is_string()) {
        out->push_back(e.value<std::string>().value_or(""));
      } else if (e.is_integer()) {
        out->push_back(std::to_string(e.value<int64_t>().value_or(0)));
      } else {
        return Fail(&e, fmt::format("{}: '{}' must be a list of strings", where, key));
      }
    }
    return true;
  }

 private:
  std::string origin_;
  std::string* err_;
  bool failed_ = false;
};

bool ReadSource(Reader& r, const toml::table& t, size_t index, PipelineSource* out) {
  std::string where = fmt::format("input {}", index + 1);
  if (!r.OnlyKnownKeys(t, kInputKeys, where) || !r.Strings(t, "values", where, &out->values) ||
      !r.String(t, "file", where, &out->file) || !r.String(t, "glob", where, &out->glob)) {
    return false;
  }
  if (const toml::node* link = t.get("link")) {
    if (!link->is_boolean()) return r.Fail(link, where + ": 'link' must be true or false");
    out->link = link->value<bool>().value_or(false);
    if (out->link && index == 0) {
      return r.Fail(link, where +
                              ": 'link' pairs a source with the one before it; the first "
                              "source has none");
    }
  }
  int kinds = t.contains("values") + t.contains("file") + t.contains("glob");
  if (kinds != 1) {
    return r.Fail(&t, where +
                          ": give one of 'values' (a list), 'file' (one value per line) or "
                          "'glob' (the files a pattern matches)");
  }
  if (t.contains("file") && out->file.empty()) {
    return r.Fail(t.get("file"), where + ": 'file' is empty");
  }
  if (t.contains("glob") && out->glob.empty()) {
    return r.Fail(t.get("glob"), where + ": 'glob' is empty");
  }
  return true;
}

// `mem` as "2G" or a number of bytes; `timeout` as "10m" or a number of seconds.
bool ReadLimits(Reader& r, const toml::table& t, const std::string& where, PipelineStage* s) {
  std::string text, why;
  if (const toml::node* n = t.get("mem")) {
    int64_t bytes = 0;
    text = n->is_integer() ? std::to_string(n->value<int64_t>().value_or(0))
                           : n->value<std::string>().value_or("");
    if (!(n->is_integer() || n->is_string()) || !ParseSize(text, &bytes, &why) || bytes <= 0) {
      return r.Fail(n, fmt::format("{}: 'mem' must be a size such as \"2G\" or \"512M\"", where));
    }
    s->mem = static_cast<uint64_t>(bytes);
  }
  if (const toml::node* n = t.get("timeout")) {
    text = n->is_number() ? fmt::format("{}", n->value<double>().value_or(0))
                          : n->value<std::string>().value_or("");
    if (!(n->is_number() || n->is_string()) || !ParseDuration(text, &s->timeout, &why) ||
        s->timeout <= 0) {
      return r.Fail(
          n, fmt::format("{}: 'timeout' must be a duration such as \"90s\" or \"2h\"", where));
    }
  }
  if (const toml::node* n = t.get("gpus")) {
    std::optional<double> g = n->value<double>();
    if (!n->is_number() || !g || !std::isfinite(*g) || *g < 0 || *g > 1024) {
      return r.Fail(n, where + ": 'gpus' must be a number of devices such as 1, 2 or 0.5");
    }
    s->gpus = *g;
  }
  return true;
}

// `stage = { to = "DIR", prefetch = K }`: the stage copies each item's input under DIR.
bool ReadStaging(Reader& r, const toml::table& t, const std::string& where, PipelineStage* s) {
  const toml::node* n = t.get("stage");
  if (n == nullptr) return true;
  const toml::table* staging = n->as_table();
  if (staging == nullptr) {
    return r.Fail(n, where +
                         ": 'stage' must be a table such as { to = \"$TMPDIR/pdbs\", "
                         "prefetch = 8 }");
  }
  std::string inner = where + ": stage";
  if (!r.OnlyKnownKeys(*staging, kStagingKeys, inner) ||
      !r.String(*staging, "to", inner, &s->stage_to) ||
      !r.Int(*staging, "prefetch", inner, 1, &s->prefetch)) {
    return false;
  }
  if (s->stage_to.empty()) {
    return r.Fail(n, inner + ": give 'to', the directory (node-local scratch) to copy inputs to");
  }
  if (const toml::node* max = staging->get("max")) {
    int64_t bytes = 0;
    std::string why;
    if (!max->is_string() || !ParseSize(max->value<std::string>().value_or(""), &bytes, &why) ||
        bytes <= 0) {
      return r.Fail(max, inner + ": 'max' must be a size such as \"20G\"");
    }
    s->stage_max = static_cast<uint64_t>(bytes);
  }
  for (const char* key : {"command", "worker", "outputs", "gather", "gpus", "threads"}) {
    if (t.contains(key)) {
      return r.Fail(t.get(key), fmt::format("{}: a staging stage copies each input; it takes no "
                                            "'{}'",
                                            where, key));
    }
  }
  while (s->stage_to.size() > 1 && s->stage_to.back() == '/') s->stage_to.pop_back();
  s->outputs = {s->stage_to + "/{}"};  // the input's own path, under the directory
  return true;
}

bool ReadStage(Reader& r, const toml::table& t, size_t index, PipelineStage* s) {
  s->id = StageId(static_cast<int>(index));
  std::string where = fmt::format("stage {}", index + 1);
  if (!r.OnlyKnownKeys(t, kStageKeys, where) || !r.String(t, "name", where, &s->name)) {
    return false;
  }
  if (!t.contains("name")) return r.Fail(&t, where + ": every stage needs a 'name'");
  bool name_ok = !s->name.empty() && std::islower(static_cast<unsigned char>(s->name[0]));
  for (char c : s->name) {
    name_ok = name_ok && (std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  }
  if (!name_ok) {
    return r.Fail(t.get("name"), fmt::format("{}: name '{}' must start with a lower-case letter "
                                             "and hold only a-z, 0-9, _ and -",
                                             where, s->name));
  }
  where = fmt::format("stage '{}'", s->name);
  if (!r.String(t, "command", where, &s->command) || !r.String(t, "worker", where, &s->worker) ||
      !r.Int(t, "threads", where, 1, &s->threads) || !r.Int(t, "retries", where, 0, &s->retries) ||
      !r.Int(t, "slots", where, 1, &s->slots) || !r.Strings(t, "outputs", where, &s->outputs) ||
      !r.String(t, "gather", where, &s->gather) ||
      !r.Int(t, "group_size", where, 1, &s->group_size) || !ReadLimits(r, t, where, s) ||
      !ReadStaging(r, t, where, s)) {
    return false;
  }
  if (s->command.empty() && s->worker.empty() && s->stage_to.empty()) {
    return r.Fail(&t, where +
                          ": give a 'command' (run per item) or a 'worker' (started once "
                          "per slot, sent 'command' as each task's request)");
  }
  if (t.contains("group_size") && s->gather.empty()) {
    return r.Fail(t.get("group_size"), where + ": 'group_size' needs 'gather'");
  }
  return true;
}

// Each {NAME.output(s)} must name an earlier stage that declares outputs.
bool ResolveReferences(Reader& r, const toml::table& t, const std::vector<PipelineStage>& done,
                       PipelineStage* s) {
  std::string texts = s->command + "\n" + s->gather;
  for (const std::string& o : s->outputs) texts += "\n" + o;
  for (const StageReferenceText& ref : FindStageReferences(texts)) {
    auto it = std::find_if(done.begin(), done.end(),
                           [&](const PipelineStage& e) { return e.name == ref.stage; });
    std::string spelled = fmt::format("{{{}.{}}}", ref.stage, ref.all ? "outputs" : "output");
    if (ref.stage == s->name) {
      return r.Fail(&t, fmt::format("stage '{}': names its own outputs as {}; use the path itself",
                                    s->name, spelled));
    }
    if (it == done.end()) {
      return r.Fail(&t, fmt::format("stage '{}': {} names no earlier stage", s->name, spelled));
    }
    if (it->outputs.empty()) {
      return r.Fail(&t, fmt::format("stage '{}': {} names stage '{}', which declares no 'outputs'",
                                    s->name, spelled, ref.stage));
    }
    if (!s->gather.empty() && !it->stage_to.empty()) {
      return r.Fail(&t, fmt::format("stage '{}': {} names the copies of staging stage '{}', which "
                                    "are removed as each item's last stage ends; gather what a "
                                    "later stage made from them",
                                    s->name, spelled, ref.stage));
    }
    s->references.push_back({it->id, ref.all});
  }
  return true;
}

}  // namespace

std::vector<StageReferenceText> FindStageReferences(std::string_view text) {
  std::vector<StageReferenceText> found;
  for (size_t open = text.find('{'); open != std::string_view::npos;
       open = text.find('{', open + 1)) {
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    std::string_view inside = text.substr(open + 1, close - open - 1);
    for (std::string_view suffix : {".outputs", ".output"}) {
      if (inside.size() > suffix.size() && inside.substr(inside.size() - suffix.size()) == suffix) {
        std::string_view name = inside.substr(0, inside.size() - suffix.size());
        if (std::isalpha(static_cast<unsigned char>(name[0]))) {
          found.push_back({std::string(name), suffix == ".outputs"});
        }
        break;
      }
    }
  }
  return found;
}

bool LoadPipeline(std::string_view text, std::string_view origin, PipelineSpec* out,
                  std::string* err) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    *out = PipelineSpec{};
    *err = fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description());
    return false;
  }
  return ReadPipelineTable(root, origin, out, err);
}

bool ReadPipelineTable(const toml::table& root, std::string_view origin, PipelineSpec* out,
                       std::string* err) {
  *out = PipelineSpec{};
  out->origin = std::string(origin);
  Reader r(origin, err);
  if (!r.OnlyKnownKeys(root, kTopKeys, "the file") ||
      !r.Int(root, "jobs", "the file", 1, &out->jobs)) {
    return false;
  }
  for (std::string_view key : {"input", "stage"}) {
    const toml::node* n = root.get(key);
    if (n != nullptr && !n->is_array_of_tables()) {
      return r.Fail(n, fmt::format("'{}' must be a list of tables: write [[{}]]", key, key));
    }
  }
  if (const toml::array* inputs = root["input"].as_array()) {
    for (size_t i = 0; i < inputs->size(); ++i) {
      out->sources.emplace_back();
      if (!ReadSource(r, *inputs->get(i)->as_table(), i, &out->sources.back())) return false;
    }
  }
  const toml::array* stages = root["stage"].as_array();
  if (stages == nullptr || stages->empty()) {
    return r.Fail(nullptr, "a pipeline needs at least one [[stage]] with a 'command'");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < stages->size(); ++i) {
    const toml::table& t = *stages->get(i)->as_table();
    PipelineStage stage;
    if (!ReadStage(r, t, i, &stage)) return false;
    if (!names.insert(stage.name).second) {
      return r.Fail(&t, fmt::format("stage {}: the name '{}' is taken by an earlier stage", i + 1,
                                    stage.name));
    }
    if (!ResolveReferences(r, t, out->stages, &stage)) return false;
    out->stages.push_back(std::move(stage));
  }
  return true;
}

}  // namespace coreflow
