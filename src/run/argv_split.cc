#include "run/argv_split.h"

namespace coreflow {

bool IsSourceSeparator(const std::string& w) {
  return w == ":::" || w == ":::+" || w == "::::" || w == "::::+";
}

bool SplitCommandAndSources(const std::vector<std::string>& words, CommandAndSources* out,
                            std::string* err) {
  *out = CommandAndSources{};
  size_t i = 0;
  while (i < words.size() && !IsSourceSeparator(words[i])) out->command.push_back(words[i++]);
  while (i < words.size()) {
    const std::string& sep = words[i++];
    bool linked = sep.back() == '+';
    if (sep.rfind("::::", 0) == 0) {
      if (i >= words.size() || IsSourceSeparator(words[i])) {
        *err = "'" + sep + "' must be followed by at least one file name";
        return false;
      }
      // After `::::+` every file is linked, as in GNU parallel: `::: a b ::::+ f1 f2` zips all
      // three sources.
      while (i < words.size() && !IsSourceSeparator(words[i])) {
        SourceSpec s;
        s.kind = SourceSpec::Kind::kFile;
        s.path = words[i++];
        s.linked = linked;
        out->sources.push_back(std::move(s));
      }
    } else {
      SourceSpec s;
      s.kind = SourceSpec::Kind::kArgs;
      s.linked = linked;
      while (i < words.size() && !IsSourceSeparator(words[i])) s.args.push_back(words[i++]);
      out->sources.push_back(std::move(s));
    }
  }
  if (!out->sources.empty() && out->sources.front().linked) {
    *err = "the first input source cannot be linked with '+': nothing comes before it";
    return false;
  }
  return true;
}

}  // namespace coreflow
