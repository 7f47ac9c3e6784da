#include "tune/cache.h"

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "sys/fd.h"
#include "sys/file_state.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

constexpr int kCacheVersion = 1;

nlohmann::json ConfigJson(const TuneConfig& c) {
  nlohmann::json j = {
      {"threads", c.threads}, {"slots", c.slots}, {"batch", c.batch}, {"bind", c.bind}};
  if (!c.params.empty()) j["params"] = c.params;  // --tune-param's values, in order
  return j;
}

bool ReadConfig(const nlohmann::json& j, TuneConfig* c) {
  if (!j.is_object()) return false;
  auto number = [&](const char* name, auto* out) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<std::decay_t<decltype(*out)>>();
    return true;
  };
  auto bind = j.find("bind");
  if (!number("threads", &c->threads) || !number("slots", &c->slots) ||
      !number("batch", &c->batch) || bind == j.end() || !bind->is_boolean()) {
    return false;
  }
  c->bind = bind->get<bool>();
  c->params.clear();
  if (auto params = j.find("params"); params != j.end()) {
    if (!params->is_array()) return false;
    for (const auto& v : *params) {
      if (!v.is_string()) return false;
      c->params.push_back(v.get<std::string>());
    }
  }
  return c->threads >= 1 && c->slots >= 1 && c->batch >= 1;
}

bool Parse(const std::string& text, CachedTune* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("coreflow_tune", 0) != kCacheVersion) return false;
  CachedTune t;
  if (!j.contains("config") || !ReadConfig(j["config"], &t.config)) return false;
  t.rate = j.value("inputs_per_s", 0.0);
  t.default_rate = j.value("default_inputs_per_s", 0.0);
  t.host = j.value("host", "");
  t.tuned_at = j.value("tuned_at", "");
  t.mode = j.value("mode", "");
  t.key_text = j.value("key", "");
  if (auto trials = j.find("trials"); trials != j.end() && trials->is_array()) {
    for (const auto& r : *trials) {
      TrialResult tr;
      if (!r.is_object() || !r.contains("config") || !ReadConfig(r["config"], &tr.config)) continue;
      tr.rate = r.value("inputs_per_s", 0.0);
      tr.spread = r.value("spread", 1.0);
      tr.inputs = r.value("inputs", size_t{0});
      t.trials.push_back(tr);
    }
  }
  *out = std::move(t);
  return true;
}

}  // namespace

std::string TuneKey::Text() const {
  return "[hardware]\n" + hardware + "\n[allocation]\n" + allocation + "\n[software]\n" + software +
         "\n[workload]\n" + workload + "\n";
}

std::string TuneKey::Hash() const { return Sha256Hex(Text()); }

std::string TuneCacheDir(const Environment& env) {
  if (const std::string* dir = env.Get("COREFLOW_CACHE_DIR"); dir != nullptr && !dir->empty()) {
    return *dir + "/tune";
  }
  if (const std::string* xdg = env.Get("XDG_CACHE_HOME"); xdg != nullptr && !xdg->empty()) {
    return *xdg + "/coreflow/tune";
  }
  const std::string* home = env.Get("HOME");
  return (home != nullptr && !home->empty() ? *home : std::string(".")) + "/.cache/coreflow/tune";
}

bool LoadTune(const std::string& dir, const TuneKey& key, CachedTune* out) {
  std::string text;
  if (!ReadSmallFile(dir + "/" + key.Hash() + ".json", &text)) return false;
  CachedTune t;
  if (!Parse(text, &t) || t.key_text != key.Text()) return false;  // exact match only
  *out = std::move(t);
  return true;
}

int SaveTune(const std::string& dir, const TuneKey& key, const CachedTune& tune) {
  if (int e = MakeDirs(dir)) return e;
  nlohmann::json j = {{"coreflow_tune", kCacheVersion},
                      {"config", ConfigJson(tune.config)},
                      {"inputs_per_s", tune.rate},
                      {"default_inputs_per_s", tune.default_rate},
                      {"host", tune.host},
                      {"tuned_at", tune.tuned_at},
                      {"mode", tune.mode},
                      {"key", key.Text()},
                      {"trials", nlohmann::json::array()}};
  for (const TrialResult& t : tune.trials) {
    j["trials"].push_back({{"config", ConfigJson(t.config)},
                           {"inputs_per_s", t.rate},
                           {"spread", t.spread},
                           {"inputs", t.inputs}});
  }
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return WriteFileAtomically(dir + "/" + key.Hash() + ".json", text);
}

std::vector<CachedTuneFile> ListTunes(const std::string& dir) {
  std::vector<std::string> names;
  std::vector<CachedTuneFile> out;
  if (ListDirectory(dir, &names) != 0) return out;
  for (const std::string& name : names) {
    if (name.size() != 64 + 5 || !name.ends_with(".json")) continue;
    std::string text;
    CachedTuneFile f{dir + "/" + name, {}};
    if (ReadSmallFile(f.path, &text) && Parse(text, &f.tune)) out.push_back(std::move(f));
  }
  return out;
}

int ClearTunes(const std::string& dir) {
  std::vector<std::string> names;
  if (int e = ListDirectory(dir, &names)) return e == ENOENT ? 0 : -e;
  int removed = 0;
  for (const std::string& name : names) {
    if (!name.ends_with(".json")) continue;
    if (RemoveFile(dir + "/" + name) == 0) ++removed;
  }
  return removed;
}

}  // namespace coreflow
