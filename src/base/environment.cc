#include "base/environment.h"

namespace coreflow {

Environment::Environment(const std::vector<std::string>& entries) {
  for (const std::string& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) continue;  // malformed entries are not passed on
    vars_.emplace(e.substr(0, eq), e.substr(eq + 1));
  }
}

const std::string* Environment::Get(std::string_view name) const {
  auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

void Environment::Set(const std::string& name, const std::string& value) { vars_[name] = value; }

void Environment::Unset(const std::string& name) { vars_.erase(name); }

std::vector<std::string> Environment::Entries() const {
  std::vector<std::string> out;
  out.reserve(vars_.size());
  for (const auto& [k, v] : vars_) out.push_back(k + "=" + v);
  return out;
}

}  // namespace coreflow
