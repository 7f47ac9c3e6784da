#pragma once

#include <string>
#include <vector>

namespace coreflow {

// One name in a directory and what it is, as far as a walk needs to know.
struct DirEntry {
  enum class Type { kFile, kDirectory, kOther };  // kOther: a symlink, device, socket, FIFO
  std::string name;
  Type type = Type::kFile;
};

// Reads whole directories, behind an interface so that a walk's rules and its threads can be
// tested on an in-memory tree (and a slow one). Read() may be called from several threads.
class DirectoryReader {
 public:
  virtual ~DirectoryReader() = default;
  // The entries of `dir`, without "." and "..", unsorted. Returns 0 or errno.
  virtual int Read(const std::string& dir, std::vector<DirEntry>* entries) = 0;
};

// The real file system: readdir(3) and its d_type, with an lstat only where the file system
// does not give the type. Symbolic links are never followed (a walk cannot loop).
class SystemDirectoryReader : public DirectoryReader {
 public:
  int Read(const std::string& dir, std::vector<DirEntry>* entries) override;
};

}  // namespace coreflow
