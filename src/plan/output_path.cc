#include "plan/output_path.h"

namespace coreflow {

std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "";
  bool absolute = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);  // above the starting directory: kept
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out;
  if (absolute) out.push_back('/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(parts[i].data(), parts[i].size());
  }
  if (out.empty()) out.push_back('.');
  return out;
}

std::string TemplateDirectory(const std::vector<Piece>& pieces) {
  std::string literal;
  for (const Piece& p : pieces) {
    if (p.is_field) break;
    literal += p.text;
  }
  size_t slash = literal.rfind('/');
  if (slash == std::string::npos) return "";
  return NormalizePath(std::string_view(literal).substr(0, slash == 0 ? 1 : slash));
}

bool StaysWithin(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  std::string p = NormalizePath(path);
  std::string d = NormalizePath(dir);
  if (d == ".") return p != ".." && p.rfind("../", 0) != 0 && p[0] != '/';
  if (d == "/") return p[0] == '/';
  return p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/';
}

}  // namespace coreflow
