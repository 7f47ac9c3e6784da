#include "sys/blas.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace coreflow {
namespace {

#if defined(__x86_64__)
constexpr const char* kMultiarch = "x86_64-linux-gnu";
#elif defined(__aarch64__)
constexpr const char* kMultiarch = "aarch64-linux-gnu";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr const char* kMultiarch = "powerpc64le-linux-gnu";
#else
constexpr const char* kMultiarch = "";
#endif

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  return realpath(path.c_str(), buffer) == nullptr ? "" : std::string(buffer);
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());  // readdir's order is arbitrary; be repeatable
  return names;
}

// LIBDIR/python3.*/{site,dist}-packages, newest version first; `root` prefixes the listing.
void AddVersionedSites(const std::string& root, const std::string& libdir,
                       std::vector<std::string>* sites) {
  std::vector<std::string> versions;
  for (const std::string& name : DirEntries(root + libdir)) {
    if (name.rfind("python3", 0) == 0) versions.push_back(name);
  }
  std::reverse(versions.begin(), versions.end());
  for (const std::string& v : versions) {
    sites->push_back(libdir + "/" + v + "/site-packages");
    sites->push_back(libdir + "/" + v + "/dist-packages");
  }
}

// Where python3 looks for packages, in its order (roughly: .pth files and pyenv are not read).
std::vector<std::string> SiteDirs(const Environment& env, const std::string& root) {
  std::vector<std::string> sites;
  if (const std::string* pp = env.Get("PYTHONPATH")) {
    std::string_view rest = *pp;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      if (colon != 0) sites.emplace_back(rest.substr(0, colon));
      rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
    }
  }
  for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    const std::string* prefix = env.Get(var);
    if (prefix != nullptr && !prefix->empty()) AddVersionedSites(root, *prefix + "/lib", &sites);
  }
  const std::string* home = env.Get("HOME");
  if (home != nullptr && !home->empty()) AddVersionedSites(root, *home + "/.local/lib", &sites);
  AddVersionedSites(root, "/usr/local/lib", &sites);
  sites.push_back("/usr/lib/python3/dist-packages");  // Debian and Ubuntu
  AddVersionedSites(root, "/usr/lib64", &sites);      // Fedora and RHEL
  AddVersionedSites(root, "/usr/lib", &sites);
  return sites;
}

// A BLAS that pip's numpy wheels carry in numpy.libs/ (or numpy/.libs/ in older ones).
std::string BundledBlas(const std::string& site) {
  for (const std::string& dir : {site + "/numpy.libs", site + "/numpy/.libs"}) {
    for (const std::string& name : DirEntries(dir)) {
      if (!NameBlasLibrary(name).empty()) return dir + "/" + name;
    }
  }
  return "";
}

// The first of the paths that exists, symlinks resolved.
std::string FirstResolved(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    std::string real = Exists(p) ? RealPath(p) : "";
    if (!real.empty()) return real;
  }
  return "";
}

void Name(BlasInfo* info, const std::string& library, const std::string& how) {
  info->library = library;
  info->name = NameBlasLibrary(library);
  info->how = how;
}

}  // namespace

std::string NameBlasLibrary(std::string_view path) {
  // The file and its directory say it (Debian keeps variants in openblas-pthread/ etc.).
  size_t slash = path.rfind('/');
  if (slash != std::string_view::npos && slash > 0) slash = path.rfind('/', slash - 1);
  std::string tail(slash == std::string_view::npos ? path : path.substr(slash + 1));
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto has = [&tail](const char* s) { return tail.find(s) != std::string::npos; };
  if (has("mkl")) return "mkl";
  if (has("flexiblas")) return "flexiblas";
  if (has("openblas")) {
    if (has("pthread") || has("libopenblasp")) return "openblas-pthread";
    if (has("openmp") || has("libopenblaso")) return "openblas-openmp";
    if (has("serial")) return "openblas-serial";
    return "openblas";
  }
  if (has("blis")) {
    if (has("pthread")) return "blis-pthread";
    if (has("openmp")) return "blis-openmp";
    if (has("serial")) return "blis-serial";
    return "blis";
  }
  if (has("atlas")) return "atlas";
  if (has("accelerate")) return "accelerate";
  if (has("libblas.so") || has("librefblas") || has("libblas.a")) return "reference";
  return "";
}

BlasInfo DetectBlas(const Environment& env, const std::string& root) {
  BlasInfo info;
  std::string site;
  for (const std::string& s : SiteDirs(env, root)) {
    if (Exists(root + s + "/numpy/__init__.py")) {
      site = root + s;
      break;
    }
  }
  if (!site.empty()) {
    info.numpy = site + "/numpy";
    std::string bundled = BundledBlas(site);
    if (!bundled.empty()) {
      Name(&info, RealPath(bundled), "bundled with numpy");
      return info;
    }
    // Conda, Spack and venvs put the BLAS numpy links in LIBDIR beside LIBDIR/python3.X.
    std::string lib = site.substr(0, site.rfind('/'));
    lib = lib.substr(0, lib.rfind('/'));
    std::string beside = lib == root + "/usr/lib" || lib == root + "/usr/lib64"
                             ? ""
                             : FirstResolved({lib + "/libblas.so.3", lib + "/libcblas.so.3"});
    if (!beside.empty()) {
      Name(&info, beside, "beside numpy, in " + lib);
      return info;
    }
  }
  // Debian's numpy links libblas.so.3, an alternatives symlink to the BLAS chosen system-wide;
  // Fedora's links FlexiBLAS.
  std::string multiarch = kMultiarch;
  std::string system = FirstResolved(
      {root + "/etc/alternatives/libblas.so.3-" + multiarch,
       root + "/usr/lib/" + multiarch + "/libblas.so.3", root + "/usr/lib64/libflexiblas.so.3",
       root + "/usr/lib64/libblas.so.3", root + "/usr/lib/libblas.so.3"});
  if (!system.empty()) Name(&info, system, "the system libblas.so.3");
  return info;
}

}  // namespace coreflow
