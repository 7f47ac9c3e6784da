#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// A process environment as a value: looked up by the library, faked in tests, and turned into
// the envp of every task. Order is kept stable so the child sees a deterministic environment.
class Environment {
 public:
  Environment() = default;
  explicit Environment(const std::vector<std::string>& entries);  // "NAME=value" strings

  const std::string* Get(std::string_view name) const;
  void Set(const std::string& name, const std::string& value);
  void Unset(const std::string& name);
  std::vector<std::string> Entries() const;  // "NAME=value", sorted by name

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace coreflow
