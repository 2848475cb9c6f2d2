// System calls glibc 2.36 does not wrap (or that Swift cannot call because
// they are variadic), as static inline functions: nothing to link.
#ifndef MKPOLICY_CMKSYS_H
#define MKPOLICY_CMKSYS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef O_PATH
#define O_PATH 010000000
#endif

/// O_PATH (glibc defines it only with _GNU_SOURCE).
static inline int mk_o_path(void) { return O_PATH; }

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/// openat2(2): `resolve` is RESOLVE_* flags. Returns the descriptor, or -1
/// with errno (ENOSYS on kernels before 5.6).
static inline int mk_openat2(int dirfd, const char *path, unsigned long long flags,
                             unsigned long long mode, unsigned long long resolve) {
  struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/// openat(2) with a mode (variadic in C).
static inline int mk_openat(int dirfd, const char *path, int flags, unsigned int mode) {
  return openat(dirfd, path, flags, mode);
}

/// fcntl(2) with an int argument (variadic in C).
static inline int mk_fcntl_int(int fd, int command, int argument) {
  return fcntl(fd, command, argument);
}

static inline unsigned long long mk_resolve_beneath(void) { return RESOLVE_BENEATH; }
static inline unsigned long long mk_resolve_in_root(void) { return RESOLVE_IN_ROOT; }
static inline unsigned long long mk_resolve_no_symlinks(void) { return RESOLVE_NO_SYMLINKS; }
static inline unsigned long long mk_resolve_no_magiclinks(void) { return RESOLVE_NO_MAGICLINKS; }
static inline unsigned long long mk_resolve_no_xdev(void) { return RESOLVE_NO_XDEV; }

/// The filesystem type of an open descriptor (statfs f_type), or 0.
static inline long mk_fs_type(int fd) {
  struct statfs info;
  if (fstatfs(fd, &info) != 0) return 0;
  return (long)info.f_type;
}

/// glibc >= 2.29 has it, but declares it only with _GNU_SOURCE.
int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *actions, int fd);

/// The child changes its directory to `fd` when it reaches this action.
static inline int mk_spawn_addfchdir(posix_spawn_file_actions_t *actions, int fd) {
  return posix_spawn_file_actions_addfchdir_np(actions, fd);
}

#endif
