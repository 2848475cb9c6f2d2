/* `make release` and `make deb` put the checkout's commit in the environment
 * as MKPOLICY_COMMIT (scripts/build-commit.sh), and Package.swift defines it
 * for this one file: a new commit recompiles this file and relinks, instead
 * of rebuilding every module as a -Xcc define on the command line did. */
#include "build_info.h"

#ifndef MKPOLICY_COMMIT
#define MKPOLICY_COMMIT ""
#endif

const char *mkpolicy_build_commit(void) { return MKPOLICY_COMMIT; }
