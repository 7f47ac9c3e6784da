#include "plan/replacement.h"

namespace coreflow {
namespace {

std::string_view RemoveExtension(std::string_view v) {
  size_t dot = v.rfind('.');
  if (dot == std::string_view::npos) return v;
  if (v.find('/', dot) != std::string_view::npos) return v;  // the dot is in a directory name
  return v.substr(0, dot);
}

std::string_view Basename(std::string_view v) {
  size_t slash = v.rfind('/');
  return slash == std::string_view::npos ? v : v.substr(slash + 1);
}

// Removes trailing slashes but never the first character (so "/" stays "/").
std::string_view StripTrailingSlashes(std::string_view v) {
  while (v.size() > 1 && v.back() == '/') v.remove_suffix(1);
  return v;
}

// Perl's File::Basename::dirname on Unix, which GNU parallel uses for {//}.
std::string Dirname(std::string_view path) {
  auto split = [](std::string_view p, std::string_view* dir, std::string_view* base) {
    size_t slash = p.rfind('/');
    if (slash == std::string_view::npos) {
      *dir = "./";
      *base = p;
    } else {
      *dir = p.substr(0, slash + 1);
      *base = p.substr(slash + 1);
    }
  };
  std::string_view dir, base;
  split(StripTrailingSlashes(path), &dir, &base);
  dir = StripTrailingSlashes(dir);
  if (base.empty()) {
    split(dir, &dir, &base);
    dir = StripTrailingSlashes(dir);
  }
  return std::string(dir);
}

}  // namespace

std::string ApplyTransform(Transform t, std::string_view value) {
  switch (t) {
    case Transform::kNone:
      return std::string(value);
    case Transform::kNoExtension:
      return std::string(RemoveExtension(value));
    case Transform::kBasename:
      return std::string(Basename(value));
    case Transform::kDirname:
      return Dirname(value);
    case Transform::kBasenameNoExtension:
      return std::string(RemoveExtension(Basename(value)));
  }
  return std::string(value);
}

const char* TransformSuffix(Transform t) {
  switch (t) {
    case Transform::kNone:
      return "";
    case Transform::kNoExtension:
      return ".";
    case Transform::kBasename:
      return "/";
    case Transform::kDirname:
      return "//";
    case Transform::kBasenameNoExtension:
      return "/.";
  }
  return "";
}

}  // namespace coreflow
