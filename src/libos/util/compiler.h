/* Small helpers every LibOS file may use. */
#ifndef LIBOS_UTIL_COMPILER_H
#define LIBOS_UTIL_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)   ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a)     ALIGN_DOWN((x) + (uint64_t)(a) - 1, (a))
#define IS_ALIGNED(x, a)   (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))
#define likely(x)          __builtin_expect(!!(x), 1)
#define unlikely(x)        __builtin_expect(!!(x), 0)
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define __noreturn         __attribute__((noreturn))
#define __unused           __attribute__((unused))

/* True if [addr, addr+len) wraps around the address space. */
static inline bool range_wraps(uint64_t addr, uint64_t len)
{
    return addr + len < addr;
}

#endif
