/*
 * Unit test of src/host/sha256.c: the FIPS 180-2 test vectors with the portable code and with
 * the CPU's SHA extensions (if this CPU has them), and both agreeing on random inputs of every
 * length up to 1,100 bytes and on random splits of the input into update() calls.
 */
#include "../../src/host/sha256.h"
#include <stdbool.h>
#include "unit_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void digest(const void *data, size_t len, uint8_t out[32])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_vectors(void)
{
    static const struct {
        const char *in;
        const char *want;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char got[65];
    uint8_t d[32];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        digest(v[i].in, strlen(v[i].in), d);
        hex(d, got);
        CHECK(strcmp(got, v[i].want) == 0);
    }
    /* One million 'a', fed in uneven pieces. */
    struct sha256 s;
    sha256_init(&s);
    char a[1000];
    memset(a, 'a', sizeof(a));
    for (size_t done = 0, step = 1; done < 1000000; step = step % 997 + 1) {
        size_t n = 1000000 - done < step ? 1000000 - done : step;
        sha256_update(&s, a, n);
        done += n;
    }
    sha256_final(&s, d);
    hex(d, got);
    CHECK(strcmp(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

int main(void)
{
    sha256_allow_cpu(false);
    check_vectors();
    bool cpu = false;
    sha256_allow_cpu(true);
    cpu = sha256_uses_cpu();
    printf("  SHA extensions: %s\n", cpu ? "used" : "not on this CPU");
    check_vectors();

    /* Both implementations agree on random data, whole and split. */
    unsigned seed = 12345;
    static uint8_t buf[1100];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)rand_r(&seed);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        uint8_t d1[32], d2[32];
        sha256_allow_cpu(false);
        digest(buf, len, d1);
        sha256_allow_cpu(true);
        struct sha256 s;
        sha256_init(&s);
        for (size_t at = 0; at < len;) {
            size_t n = 1 + (size_t)rand_r(&seed) % 150;
            n = n > len - at ? len - at : n;
            sha256_update(&s, buf + at, n);
            at += n;
        }
        sha256_final(&s, d2);
        CHECK(memcmp(d1, d2, 32) == 0);
    }
    printf("sha256: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
