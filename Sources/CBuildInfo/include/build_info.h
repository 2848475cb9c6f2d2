/* What the build knows about the source it was made from, for
 * `mkpolicy --version`: the commit, or an empty string when it is not known
 * (swift build, a source tarball without .git). */
#ifndef MKPOLICY_BUILD_INFO_H
#define MKPOLICY_BUILD_INFO_H

const char *mkpolicy_build_commit(void);

#endif
