#include "run/stage_to.h"

#include <fmt/format.h>

#include <algorithm>

#include "plan/template.h"
#include "run/argv_split.h"

namespace coreflow {
namespace {

// `text` as a TOML basic string.
std::string TomlString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The command with {} as the staged copy: each {} becomes {stage.output}, or the copy is
// appended where the command names no input at all.
std::string OnTheCopy(const std::string& command) {
  FieldScope scope;
  scope.any_number = true;
  if (!HasReplacementString(command, scope)) return command + " {stage.output}";
  std::string out;
  size_t at = 0;
  for (size_t next; (next = command.find("{}", at)) != std::string::npos; at = next + 2) {
    out.append(command, at, next - at);
    out += "{stage.output}";
  }
  return out + command.substr(at);
}

// Flags a run with --stage-to cannot take; "" when there is none.
std::string Refused(const RunFlags& f) {
  if (!f.pipeline_file.empty()) return "-f (give `stage = { to = ... }` in the file)";
  if (f.quote) return "-q";
  if (!f.replace_string.empty()) return "-I";
  if (!f.gpus_per_task.empty()) return "--gpus-per-task";
  return "";
}

}  // namespace

bool PipelineFromStageTo(RunFlags* flags, std::vector<std::string>* words, PipelineSpec* spec,
                         std::string* err) {
  if (std::string flag = Refused(*flags); !flag.empty()) {
    *err = fmt::format("--stage-to cannot be combined with {}", flag);
    return false;
  }
  auto first_source = std::find_if(words->begin(), words->end(), IsSourceSeparator);
  std::vector<std::string> command(words->begin(), first_source);
  if (command.empty()) {
    *err =
        "--stage-to copies each input ahead of a command: give the command, e.g. coreflow "
        "run --stage-to $TMPDIR/in voronota-run {} out/{/.}.tsv ::: *.pdb";
    return false;
  }
  CommandAndSources parts;
  if (!SplitCommandAndSources(*words, &parts, err)) return false;
  if (parts.sources.size() + flags->finds.size() + flags->arg_files.size() > 1) {
    *err =
        "--stage-to copies one file per input: give one input source (one :::, :::: FILE, "
        "-a FILE or --find)";
    return false;
  }
  std::string line;
  for (const std::string& w : command) line += (line.empty() ? "" : " ") + w;
  std::string toml = "[[stage]]\nname = \"stage\"\nstage = { to = " + TomlString(flags->stage_to);
  if (flags->prefetch > 0) toml += fmt::format(", prefetch = {}", flags->prefetch);
  toml += " }\n\n[[stage]]\nname = \"run\"\ncommand = " + TomlString(OnTheCopy(line)) + "\n";
  if (flags->threads > 0) toml += fmt::format("threads = {}\n", flags->threads);
  if (!flags->outputs.empty()) {
    toml += "outputs = [";
    for (size_t i = 0; i < flags->outputs.size(); ++i) {
      toml += (i > 0 ? ", " : "") + TomlString(flags->outputs[i]);
    }
    toml += "]\n";
  }
  if (!LoadPipeline(toml, "--stage-to", spec, err)) return false;
  flags->threads = 0;  // now the command's stage's
  flags->outputs.clear();
  words->erase(words->begin(), first_source);
  return true;
}

}  // namespace coreflow
