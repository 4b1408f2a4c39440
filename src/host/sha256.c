/*
 * SHA-256 (FIPS 180-4): block compression with the x86 SHA extensions (sha256rnds2, msg1,
 * msg2) when CPUID says they exist, else portable C; the buffering around it is shared.
 */
#include "sha256.h"
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t n)
{
    for (; n; n--, p += 64) {
        uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
                        hh = h[7];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                   (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
                          K[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
}

/* Four rounds from message words `msg` (big-endian words already swapped) at K[4 * g]. */
#define ROUNDS4(msg, g)                                                                        \
    do {                                                                                       \
        __m128i m_ = _mm_add_epi32((msg), _mm_loadu_si128((const __m128i *)&K[4 * (g)]));      \
        st1 = _mm_sha256rnds2_epu32(st1, st0, m_);                                             \
        st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(m_, 0x0E));                    \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_cpu(uint32_t h[8], const uint8_t *p,
                                                                    size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1); /* CDAB */
    __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* EFGH */
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);                                         /* ABEF */
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);                                              /* CDGH */

    for (; n; n--, p += 64) {
        __m128i abef = st0, cdgh = st1, m[4];
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        ROUNDS4(m[0], 0);
        ROUNDS4(m[1], 1);
        m[0] = _mm_sha256msg1_epu32(m[0], m[1]);
        ROUNDS4(m[2], 2);
        m[1] = _mm_sha256msg1_epu32(m[1], m[2]);
        /* Groups 3..14: the message schedule for group g+1 is finished from groups g and g-1,
         * and started for group g+3. */
        for (int g = 3; g < 15; g++) {
            __m128i cur = m[g % 4], prev = m[(g + 3) % 4];
            __m128i *next = &m[(g + 1) % 4];
            ROUNDS4(cur, g);
            *next = _mm_sha256msg2_epu32(_mm_add_epi32(*next, _mm_alignr_epi8(cur, prev, 4)), cur);
            m[(g + 3) % 4] = _mm_sha256msg1_epu32(prev, cur);
        }
        ROUNDS4(m[3], 15);
        st0 = _mm_add_epi32(st0, abef);
        st1 = _mm_add_epi32(st1, cdgh);
    }
    tmp = _mm_shuffle_epi32(st0, 0x1B);                   /* FEBA */
    st1 = _mm_shuffle_epi32(st1, 0xB1);                   /* DCHG */
    st0 = _mm_blend_epi16(tmp, st1, 0xF0);                /* DCBA */
    st1 = _mm_alignr_epi8(st1, tmp, 8);                   /* ABEF */
    _mm_storeu_si128((__m128i *)&h[0], st0);
    _mm_storeu_si128((__m128i *)&h[4], st1);
}

static int cpu_state = -1; /* -1 unknown, 0 portable, 1 SHA extensions */

static bool cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29)))
        return false; /* SHA */
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}

bool sha256_uses_cpu(void)
{
    if (cpu_state < 0)
        cpu_state = cpu_has_sha();
    return cpu_state == 1;
}

void sha256_allow_cpu(bool allow)
{
    cpu_state = allow ? cpu_has_sha() : 0;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
    if (sha256_uses_cpu())
        blocks_cpu(h, p, n);
    else
        blocks_portable(h, p, n);
}

void sha256_init(struct sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof(iv));
    s->buflen = 0;
    s->total = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->total += len;
    if (s->buflen) {
        size_t take = len < 64 - s->buflen ? len : 64 - s->buflen;
        memcpy(s->buf + s->buflen, p, take);
        s->buflen += take, p += take, len -= take;
        if (s->buflen < 64)
            return;
        blocks(s->h, s->buf, 1);
        s->buflen = 0;
    }
    if (len >= 64) {
        blocks(s->h, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    memcpy(s->buf, p, len);
    s->buflen = len;
}

void sha256_final(struct sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->buflen < 56 ? 56 : 120) - s->buflen;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(s->h[i] >> (24 - 8 * j));
}
