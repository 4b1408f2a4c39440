/*
 * fd-table system calls: dup, dup2, dup3, fcntl. They change only the table and the open
 * file's status flags; the files themselves are shared, as Linux's open file descriptions.
 */
#include "fs/fdtable.h"
#include "fs/current.h"
#include "fs/vfs.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "util/log.h"

#define O_ASYNC 020000
/* The status flags F_SETFL may change (fcntl(2)); the others are ignored. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

DEFINE_SYSCALL1(dup, int, oldfd)
{
    struct file *f = fd_lookup_file(oldfd);
    int ret;

    if (!f)
        return -EBADF;
    ret = fdtable_install(current_fdtable(), f, 0, false);
    file_put(f);
    return ret;
}

static long do_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fd_lookup_file(oldfd);
    int ret;

    if (!f)
        return -EBADF;
    ret = fdtable_replace(current_fdtable(), newfd, f, (flags & O_CLOEXEC) != 0);
    file_put(f);
    return ret < 0 ? ret : newfd;
}

DEFINE_SYSCALL3(dup3, int, oldfd, int, newfd, int, flags)
{
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    return do_dup3(oldfd, newfd, flags);
}

DEFINE_SYSCALL2(dup2, int, oldfd, int, newfd)
{
    struct file *f;

    if (oldfd == newfd) {
        /* Nothing to do, but oldfd must be open. */
        f = fd_lookup_file(oldfd);
        if (!f)
            return -EBADF;
        file_put(f);
        return newfd;
    }
    return do_dup3(oldfd, newfd, 0);
}

DEFINE_SYSCALL3(fcntl, int, fd, unsigned int, cmd, unsigned long, arg)
{
    struct fdtable *t = current_fdtable();
    struct file *f;
    bool cloexec = false;
    unsigned int old, new;
    long ret;

    f = fdtable_get(t, fd, &cloexec);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if ((long)arg < 0 || arg >= current_nofile_limit())
            ret = -EINVAL;
        else
            ret = fdtable_install(t, f, (int)arg, cmd == F_DUPFD_CLOEXEC);
        break;
    case F_GETFD:
        ret = cloexec ? FD_CLOEXEC : 0;
        break;
    case F_SETFD:
        ret = fdtable_set_cloexec(t, fd, (arg & FD_CLOEXEC) != 0);
        break;
    case F_GETFL:
        ret = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
        break;
    case F_SETFL:
        if (f->flags & O_PATH) {
            ret = -EBADF;
            break;
        }
        old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
        do {
            new = (old & ~(unsigned int)SETFL_MASK) | ((unsigned int)arg & SETFL_MASK);
        } while (!__atomic_compare_exchange_n(&f->flags, &old, new, false, __ATOMIC_RELAXED,
                                              __ATOMIC_RELAXED));
        ret = 0;
        break;
    default:
        log_info("fcntl command %u is not served", cmd);
        ret = -EINVAL;
        break;
    }
    file_put(f);
    return ret;
}
