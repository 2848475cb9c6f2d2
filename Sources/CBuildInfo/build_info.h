/* What the build knows about the source it was made from, for
 * `mkpolicy --version`. `make release` and `make deb` pass the checkout's
 * commit with -Xcc -DMKPOLICY_COMMIT='"<sha>"' (scripts/build-commit.sh);
 * a build without it (swift build, a source tarball without .git) has an
 * empty commit, and --version says that it is not known. A function rather
 * than a macro: Swift imports a header's macros, not the command line's. */
#ifndef MKPOLICY_BUILD_INFO_H
#define MKPOLICY_BUILD_INFO_H

#ifndef MKPOLICY_COMMIT
#define MKPOLICY_COMMIT ""
#endif

static inline const char *mkpolicy_build_commit(void) { return MKPOLICY_COMMIT; }

#endif
