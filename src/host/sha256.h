/*
 * SHA-256 for the enclave measurement (enclave_load.c), using the CPU's SHA extensions when it
 * has them (SHA-NI: ~5x BearSSL's portable code, which was ~15% of `occlum run hello`) and a
 * portable implementation otherwise. Same results as any SHA-256 (test/unit/test_sha256.c
 * checks both against the FIPS 180-2 vectors and against each other).
 */
#ifndef OCCLUM_HOST_SHA256_H
#define OCCLUM_HOST_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t buflen;
    uint64_t total; /* bytes hashed */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* True if the SHA extensions are used (for tests and the log). */
bool sha256_uses_cpu(void);
/* For tests: force the portable code (false) or allow the CPU's (true). */
void sha256_allow_cpu(bool allow);

#endif
