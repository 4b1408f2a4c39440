/*
 * System call handlers. Every served call is listed once in syscalls.def and defined once with
 * DEFINE_SYSCALLn, which gives it a typed body and the uniform entry the dispatch table calls:
 *
 *     DEFINE_SYSCALL3(read, int, fd, void *, ubuf, size_t, count)
 *     {
 *         ... return bytes read or -errno ...
 *     }
 *
 * A handler returns a result >= 0 or -errno; nothing sets errno. Guest pointers arrive
 * unchecked (name them u<name>) and are touched only through util/uaccess.h.
 */
#ifndef LIBOS_SYSCALL_SYSCALL_H
#define LIBOS_SYSCALL_SYSCALL_H

#include "uapi/linux_types.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

/* Serves system call `nr` with arguments `a` for the current thread; -ENOSYS if unserved. */
long syscall_dispatch(long nr, const long a[6]);

#define SYSCALL(nr, name, nargs) long sys_##name(long, long, long, long, long, long);
#define NOSYS(nr, name)
#include "syscall/syscalls.def"
#undef SYSCALL
#undef NOSYS

#define __SC_DECL0() void
#define __SC_DECL1(t1, a1)                         t1 a1
#define __SC_DECL2(t1, a1, t2, a2)                 t1 a1, t2 a2
#define __SC_DECL3(t1, a1, t2, a2, t3, a3)         t1 a1, t2 a2, t3 a3
#define __SC_DECL4(t1, a1, t2, a2, t3, a3, t4, a4) t1 a1, t2 a2, t3 a3, t4 a4
#define __SC_DECL5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5
#define __SC_DECL6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)                             \
    t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6

#define __SC_CAST0()
#define __SC_CAST1(t1, a1)                         (t1)r0
#define __SC_CAST2(t1, a1, t2, a2)                 (t1)r0, (t2)r1
#define __SC_CAST3(t1, a1, t2, a2, t3, a3)         (t1)r0, (t2)r1, (t3)r2
#define __SC_CAST4(t1, a1, t2, a2, t3, a3, t4, a4) (t1)r0, (t2)r1, (t3)r2, (t4)r3
#define __SC_CAST5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) (t1)r0, (t2)r1, (t3)r2, (t4)r3, (t5)r4
#define __SC_CAST6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)                             \
    (t1)r0, (t2)r1, (t3)r2, (t4)r3, (t5)r4, (t6)r5

#define __DEFINE_SYSCALL(n, name, ...)                                                         \
    static long do_sys_##name(__SC_DECL##n(__VA_ARGS__));                                      \
    long sys_##name(long r0, long r1, long r2, long r3, long r4, long r5)                      \
    {                                                                                          \
        (void)r0, (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;                            \
        return do_sys_##name(__SC_CAST##n(__VA_ARGS__));                                       \
    }                                                                                          \
    static long do_sys_##name(__SC_DECL##n(__VA_ARGS__))

#define DEFINE_SYSCALL0(name)      __DEFINE_SYSCALL(0, name)
#define DEFINE_SYSCALL1(name, ...) __DEFINE_SYSCALL(1, name, __VA_ARGS__)
#define DEFINE_SYSCALL2(name, ...) __DEFINE_SYSCALL(2, name, __VA_ARGS__)
#define DEFINE_SYSCALL3(name, ...) __DEFINE_SYSCALL(3, name, __VA_ARGS__)
#define DEFINE_SYSCALL4(name, ...) __DEFINE_SYSCALL(4, name, __VA_ARGS__)
#define DEFINE_SYSCALL5(name, ...) __DEFINE_SYSCALL(5, name, __VA_ARGS__)
#define DEFINE_SYSCALL6(name, ...) __DEFINE_SYSCALL(6, name, __VA_ARGS__)

#endif
