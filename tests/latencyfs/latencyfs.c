// A read-only passthrough file system that adds a fixed delay to every getattr, readdir, open
// and read: a stand-in for a parallel file system's latency (bench/staging.sh,
// bench/discovery.sh, tests/e2e/test_find.py).
// Usage: latencyfs SOURCE_DIR MOUNTPOINT DELAY_US [FUSE options such as -f]
// With LATENCYFS_GATE=/DIR=/FILE in the environment, a readdir of /DIR waits until /FILE exists
// under SOURCE_DIR: a directory that stays slow until a test says otherwise.
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse3/fuse.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char* source;
static long delay_us;
static char gate_dir[PATH_MAX];   // "" when there is no gate
static char gate_file[PATH_MAX];  // a path under source

static void Delay(void) {
  struct timespec t = {delay_us / 1000000, (delay_us % 1000000) * 1000};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static void Real(const char* path, char* out) { snprintf(out, PATH_MAX, "%s%s", source, path); }

static int GetAttr(const char* path, struct stat* st, struct fuse_file_info* fi) {
  (void)fi;
  char real[PATH_MAX];
  Real(path, real);
  Delay();
  return lstat(real, st) == 0 ? 0 : -errno;
}

static void AwaitGate(const char* path) {
  if (gate_dir[0] == '\0' || strcmp(path, gate_dir) != 0) return;
  struct timespec t = {0, 5 * 1000000};
  while (access(gate_file, F_OK) != 0) nanosleep(&t, NULL);
}

static int ReadDir(const char* path, void* buf, fuse_fill_dir_t fill, off_t offset,
                   struct fuse_file_info* fi, enum fuse_readdir_flags flags) {
  (void)offset, (void)fi, (void)flags;
  char real[PATH_MAX];
  Real(path, real);
  Delay();
  AwaitGate(path);
  DIR* d = opendir(real);
  if (d == NULL) return -errno;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    // The type, as a parallel file system gives it, so that a walk need not stat each name.
    struct stat st = {0};
    st.st_ino = e->d_ino;
    st.st_mode = (mode_t)DTTOIF(e->d_type);
    if (fill(buf, e->d_name, &st, 0, 0) != 0) break;
  }
  closedir(d);
  return 0;
}

static int Open(const char* path, struct fuse_file_info* fi) {
  char real[PATH_MAX];
  Real(path, real);
  Delay();
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  int fd = open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}

static int Read(const char* path, char* buf, size_t size, off_t offset,
                struct fuse_file_info* fi) {
  (void)path;
  Delay();
  ssize_t n = pread((int)fi->fh, buf, size, offset);
  return n < 0 ? -errno : (int)n;
}

static int Release(const char* path, struct fuse_file_info* fi) {
  (void)path;
  close((int)fi->fh);
  return 0;
}

static void* Init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
  (void)conn;
  cfg->attr_timeout = 0;  // every stat goes to the "server", as on a busy parallel file system
  cfg->entry_timeout = 0;
  cfg->negative_timeout = 0;
  return NULL;
}

static const struct fuse_operations kOps = {
    .getattr = GetAttr,
    .readdir = ReadDir,
    .open = Open,
    .read = Read,
    .release = Release,
    .init = Init,
};

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s SOURCE_DIR MOUNTPOINT DELAY_US [FUSE options]\n", argv[0]);
    return 2;
  }
  static char real[PATH_MAX];
  if (realpath(argv[1], real) == NULL) {
    perror(argv[1]);
    return 2;
  }
  source = real;
  delay_us = strtol(argv[3], NULL, 10);
  const char* gate = getenv("LATENCYFS_GATE");
  const char* eq = gate == NULL ? NULL : strchr(gate, '=');
  if (eq != NULL) {
    snprintf(gate_dir, sizeof gate_dir, "%.*s", (int)(eq - gate), gate);
    snprintf(gate_file, sizeof gate_file, "%s%s", source, eq + 1);
  }
  char* args[64];
  int n = 0;
  args[n++] = argv[0];
  args[n++] = argv[2];
  for (int i = 4; i < argc && n < 60; ++i) args[n++] = argv[i];
  args[n++] = "-o";
  args[n++] = "ro";
  args[n] = NULL;
  return fuse_main(n, args, &kOps, NULL);
}
