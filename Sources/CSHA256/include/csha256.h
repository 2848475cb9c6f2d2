// SHA-256 blocks with the x86 SHA extensions (SHA-NI), for MKPlan.SHA256:
// the digest of every plan.json covers megabytes on large hosts, and these
// instructions compress a block in a tenth of the portable code's time.
#ifndef MKPOLICY_CSHA256_H
#define MKPOLICY_CSHA256_H

#include <stddef.h>
#include <stdint.h>

// 1 when this CPU has the SHA extensions (and SSSE3 and SSE4.1, which the
// code also uses); 0 otherwise and on other architectures.
int mkpolicy_sha256_accelerated(void);

// Compresses `blocks` 64-byte blocks at `data` into `state` (the eight
// words of the hash value, as FIPS 180-4 numbers them). Call only when
// mkpolicy_sha256_accelerated() returned 1.
void mkpolicy_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
