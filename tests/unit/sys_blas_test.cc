#include "sys/blas.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "sys/process.h"
#include "test_util.h"

namespace coreflow {
namespace {

TEST(HwBlasTest, NamesLibrariesFromTheirPath) {
  struct Case {
    const char* path;
    const char* name;
  } cases[] = {
      {"/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", "openblas-pthread"},
      {"/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3", "openblas-openmp"},
      {"/usr/lib/x86_64-linux-gnu/openblas-serial/libblas.so.3", "openblas-serial"},
      {"/opt/conda/lib/libopenblasp-r0.3.21.so", "openblas-pthread"},
      {"/opt/conda/lib/libopenblaso-r0.3.21.so", "openblas-openmp"},
      {"/venv/lib/python3.12/site-packages/numpy.libs/libscipy_openblas64_-ff651d7f.so",
       "openblas"},
      {"numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.dev.so", "openblas"},
      {"/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3", "blis-pthread"},
      {"/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3", "blis-openmp"},
      {"/usr/lib/x86_64-linux-gnu/blis-serial/libblas.so.3", "blis-serial"},
      {"/opt/intel/oneapi/mkl/2024.0/lib/libmkl_rt.so.2", "mkl"},
      {"/usr/lib/x86_64-linux-gnu/libmkl_rt.so", "mkl"},
      {"/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3", "atlas"},
      {"/usr/lib64/libflexiblas.so.3.3", "flexiblas"},
      {"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", "reference"},
      {"/usr/lib64/libblas.so.3", "reference"},
      {"/usr/lib/libsomething.so", ""},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(NameBlasLibrary(c.path), c.name) << c.path;
  // Only the file and its directory count: a user named "mkl" does not make a BLAS MKL.
  EXPECT_EQ(NameBlasLibrary("/home/mkl/lib/openblas-openmp/libblas.so.3"), "openblas-openmp");
}

// A fake machine with numpy and BLAS libraries laid out as packages install them.
class FakeTree : public testutil::ScratchDir {
 public:
  FakeTree() : ScratchDir("blas_test") {}
  void Numpy(const std::string& site) { Write(site + "/numpy/__init__.py", ""); }
  // `link` (below the root) points at `target` (below the root), parents made on the way.
  void Link(const std::string& link, const std::string& target) {
    std::filesystem::create_directories(std::filesystem::path(path() + link).parent_path());
    ASSERT_EQ(symlink((path() + target).c_str(), (path() + link).c_str()), 0) << link;
  }
  std::string Real(const std::string& p) {
    char buffer[PATH_MAX];
    return realpath((path() + p).c_str(), buffer) == nullptr ? "" : buffer;
  }
};

TEST(HwBlasTest, DebianNumpyFollowsTheAlternativesLinks) {
  FakeTree root;
  root.Numpy("/usr/lib/python3/dist-packages");
  root.Write("/usr/lib/blis-openmp/libblas.so.3", "");
  root.Link("/etc/alternatives/libblas.so.3-any", "/usr/lib/blis-openmp/libblas.so.3");
  root.Link("/usr/lib/libblas.so.3", "/etc/alternatives/libblas.so.3-any");
  BlasInfo b = DetectBlas(Environment(), root.path());
  EXPECT_EQ(b.name, "blis-openmp");
  EXPECT_EQ(b.library, root.Real("/usr/lib/blis-openmp/libblas.so.3"));
  EXPECT_EQ(b.how, "the system libblas.so.3");
  EXPECT_EQ(b.numpy, root.path() + "/usr/lib/python3/dist-packages/numpy");
}

TEST(HwBlasTest, AWheelsBundledBlasWinsOverTheSystems) {
  FakeTree root;
  root.Write("/usr/lib/libblas.so.3", "");
  root.Numpy("/usr/lib/python3/dist-packages");
  root.Numpy("/venv/lib/python3.12/site-packages");
  root.Write("/venv/lib/python3.12/site-packages/numpy.libs/libgfortran-040039e1.so.5", "");
  root.Write("/venv/lib/python3.12/site-packages/numpy.libs/libscipy_openblas64_-ff651d7f.so", "");
  BlasInfo b = DetectBlas(Environment({"VIRTUAL_ENV=/venv"}), root.path());
  EXPECT_EQ(b.name, "openblas");
  EXPECT_EQ(b.how, "bundled with numpy");
  EXPECT_EQ(b.library, root.Real("/venv/lib/python3.12/site-packages/numpy.libs/"
                                 "libscipy_openblas64_-ff651d7f.so"));
  EXPECT_EQ(b.numpy, root.path() + "/venv/lib/python3.12/site-packages/numpy");
}

TEST(HwBlasTest, CondaNumpyUsesTheBlasOfItsPrefix) {
  FakeTree root;
  root.Numpy("/conda/lib/python3.11/site-packages");
  root.Write("/conda/lib/libmkl_rt.so.2", "");
  root.Link("/conda/lib/libblas.so.3", "/conda/lib/libmkl_rt.so.2");
  root.Write("/usr/lib/libblas.so.3", "");
  BlasInfo b = DetectBlas(Environment({"CONDA_PREFIX=/conda"}), root.path());
  EXPECT_EQ(b.name, "mkl");
  EXPECT_EQ(b.library, root.Real("/conda/lib/libmkl_rt.so.2"));
  EXPECT_EQ(b.how, "beside numpy, in " + root.path() + "/conda/lib");
}

TEST(HwBlasTest, PythonPathComesFirst) {
  FakeTree root;
  root.Numpy("/usr/lib/python3/dist-packages");
  root.Numpy("/mine");
  root.Write("/mine/numpy.libs/libopenblas64_p-r0-0cf96a72.so", "");
  BlasInfo b = DetectBlas(Environment({"PYTHONPATH=/nothing::/mine"}), root.path());
  EXPECT_EQ(b.numpy, root.path() + "/mine/numpy");
  EXPECT_EQ(b.name, "openblas");
}

TEST(HwBlasTest, SystemBlasWithoutNumpy) {
  FakeTree root;
  root.Write("/usr/lib64/libflexiblas.so.3", "");
  BlasInfo b = DetectBlas(Environment(), root.path());
  EXPECT_EQ(b.numpy, "");
  EXPECT_EQ(b.name, "flexiblas");
  EXPECT_EQ(b.how, "the system libblas.so.3");
}

TEST(HwBlasTest, NothingFound) {
  FakeTree root;
  BlasInfo b = DetectBlas(Environment({"HOME=/home/u"}), root.path());
  EXPECT_EQ(b.name, "");
  EXPECT_EQ(b.library, "");
  EXPECT_EQ(b.numpy, "");
  EXPECT_EQ(b.how, "");
}

TEST(HwBlasTest, ThisMachineIsQuick) {
  auto start = std::chrono::steady_clock::now();
  BlasInfo b = DetectBlas(ProcessEnvironment());
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 50.0) << b.library;
}

}  // namespace
}  // namespace coreflow
