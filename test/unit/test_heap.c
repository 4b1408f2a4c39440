/*
 * Host-built unit test of the LibOS heap (src/libos/mm/heap.c): alignment, kzalloc, realloc
 * preserving contents, a random alloc/free/realloc stress checked against byte patterns,
 * coalescing (the whole heap is one block again after everything is freed), exhaustion
 * (NULL plus exactly one log line naming kernel_space_heap_size), threads, and that double
 * free and a smashed header stop the process (BUG_ON).
 */
#include "mm/mm.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* ---- stubs for the LibOS services heap.c uses ---- */
int libos_log_level = 1; /* LOG_ERROR */
static int error_lines;
static char last_error[512];

void log_printf(int level, const char *file, int line, const char *fmt, ...);
void log_printf(int level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    error_lines++;
}

void libos_panic(const char *file, int line, const char *fmt, ...);
void libos_panic(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "panic %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(99);
}

#define HEAP_SIZE (4u << 20)
static char *arena;

static void test_basic(void)
{
    CHECK(heap_used() == 0);
    void *p[64];
    for (int i = 0; i < 64; i++) {
        p[i] = kmalloc((size_t)i * 7);
        CHECK(p[i] != NULL);
        CHECK(((uintptr_t)p[i] & 15) == 0);
        CHECK((char *)p[i] >= arena && (char *)p[i] < arena + HEAP_SIZE);
        memset(p[i], i, (size_t)i * 7);
    }
    for (int i = 0; i < 64; i++)
        for (int k = 0; k < i * 7; k++)
            CHECK(((unsigned char *)p[i])[k] == i);
    CHECK(heap_used() > 0);
    for (int i = 0; i < 64; i += 2)
        kfree(p[i]);
    for (int i = 1; i < 64; i += 2)
        kfree(p[i]);
    CHECK(heap_used() == 0);
    kfree(NULL);

    /* kzalloc zeroes recycled memory. */
    char *d = kmalloc(1000);
    memset(d, 0xaa, 1000);
    kfree(d);
    char *z = kzalloc(1000);
    for (int k = 0; k < 1000; k++)
        CHECK(z[k] == 0);
    kfree(z);

    /* realloc keeps contents when growing, in place or moved, and when shrinking. */
    char *r = krealloc(NULL, 10);
    memcpy(r, "0123456789", 10);
    char *blocker = kmalloc(32); /* maybe forces a move */
    r = krealloc(r, 5000);
    CHECK(r && memcmp(r, "0123456789", 10) == 0);
    r = krealloc(r, 4);
    CHECK(r && memcmp(r, "0123", 4) == 0);
    CHECK(krealloc(r, 0) == NULL);
    kfree(blocker);
    CHECK(heap_used() == 0);

    /* A request larger than the heap, or near SIZE_MAX, fails cleanly. */
    error_lines = 0;
    CHECK(kmalloc(SIZE_MAX) == NULL);
    CHECK(kmalloc(SIZE_MAX - 8) == NULL);
    CHECK(kmalloc(HEAP_SIZE) == NULL);
    CHECK(error_lines == 1 && strstr(last_error, "kernel_space_heap_size"));
}

/* Random stress: slots hold blocks filled with a per-block byte; verified before each free. */
#define SLOTS        2000
#define MIN_SZ(a, b) ((a) < (b) ? (a) : (b))
struct slot {
    unsigned char *p;
    size_t n;
    unsigned char tag;
};

static void verify(const struct slot *s)
{
    for (size_t k = 0; k < s->n; k++)
        CHECK(s->p[k] == s->tag);
}

static size_t rand_size(unsigned *seed)
{
    unsigned r = (unsigned)rand_r(seed);
    switch (r % 8) {
    case 0:
        return r % 16;
    case 1:
    case 2:
    case 3:
        return 16 + r % 256;
    case 4:
    case 5:
        return r % 2048;
    case 6:
        return r % 16384;
    default:
        return r % 100000;
    }
}

static void stress(unsigned seed, int iters, struct slot *slots, int nslots)
{
    for (int it = 0; it < iters; it++) {
        struct slot *s = &slots[rand_r(&seed) % nslots];
        int op = rand_r(&seed) % 3;
        if (s->p && op == 0) {
            verify(s);
            kfree(s->p);
            s->p = NULL;
        } else if (s->p && op == 1) {
            verify(s);
            size_t n = rand_size(&seed);
            unsigned char *q = krealloc(s->p, n);
            if (n == 0) {
                CHECK(q == NULL); /* krealloc(p, 0) frees */
                s->p = NULL;
                continue;
            }
            if (!q) {
                verify(s); /* failed realloc leaves the block alone */
                continue;
            }
            s->p = q;
            for (size_t k = 0; k < MIN_SZ(s->n, n); k++)
                CHECK(q[k] == s->tag);
            s->n = n;
            memset(q, s->tag, n);
        } else if (!s->p) {
            size_t n = rand_size(&seed);
            s->p = kmalloc(n);
            if (!s->p)
                continue;
            CHECK(((uintptr_t)s->p & 15) == 0);
            s->n = n;
            s->tag = (unsigned char)rand_r(&seed);
            memset(s->p, s->tag, n);
        }
    }
    for (int i = 0; i < nslots; i++) {
        if (slots[i].p) {
            verify(&slots[i]);
            kfree(slots[i].p);
            slots[i].p = NULL;
        }
    }
}

static void test_stress_and_coalesce(void)
{
    static struct slot slots[SLOTS];
    stress(12345, 200000, slots, SLOTS);
    CHECK(heap_used() == 0);
    /* Everything coalesced back: almost the whole heap is one allocatable block. */
    void *big = kmalloc(HEAP_SIZE - 256);
    CHECK(big != NULL);
    kfree(big);
}

static void test_exhaustion(void)
{
    static void *p[HEAP_SIZE / 1024];
    int n = 0;
    while ((p[n] = kmalloc(1000)) != NULL)
        n++;
    CHECK(n > (int)(HEAP_SIZE / 1024) * 3 / 4);
    CHECK(kmalloc(1000) == NULL);
    for (int i = 0; i < n; i++)
        kfree(p[i]);
    CHECK(heap_used() == 0);
    CHECK(error_lines == 1); /* logged once, not per failure */
}

static void *thread_main(void *arg)
{
    struct slot slots[200] = {0};
    stress((unsigned)(uintptr_t)arg, 50000, slots, 200);
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, thread_main, (void *)(i + 1)) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK(heap_used() == 0);
}

/* Runs fn in a child and expects it to stop through libos_panic. */
static void expect_panic(void (*fn)(void))
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 99);
}

static void double_free(void)
{
    void *p = kmalloc(100);
    kmalloc(100); /* keep p from coalescing into the top */
    kfree(p);
    kfree(p);
}

static void smashed_header(void)
{
    char *p = kmalloc(100);
    char *q = kmalloc(100);
    memset(p, 0x41, 100 + 32); /* overflow into q's header */
    kfree(q);
}

static void wild_pointer(void)
{
    kfree(arena + 4096 + 16);
}

int main(void)
{
    arena = aligned_alloc(4096, HEAP_SIZE);
    CHECK(arena);
    heap_init((uint64_t)arena, HEAP_SIZE);
    test_basic();
    test_stress_and_coalesce();
    test_exhaustion();
    test_threads();
    expect_panic(double_free);
    expect_panic(smashed_header);
    expect_panic(wild_pointer);
    printf("test_heap: ok\n");
    return 0;
}
