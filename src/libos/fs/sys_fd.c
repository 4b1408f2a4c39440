/*
 * fd-table system calls: dup, dup2, dup3, fcntl, close_range; and the lock calls (fcntl's
 * record locks, flock), whose work is in fs/lock.c. They change only the table, the open
 * file's status flags and the locks; the files themselves are shared, as Linux's open file
 * descriptions.
 */
#include "fs/fdtable.h"
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/lock.h"
#include "fs/vfs.h"
#include "ipc/pipe.h"
#include "util/uaccess.h"
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

/* fcntl's lock commands: the struct flock is made absolute ([start, end]) here. */
static long fcntl_lock(struct file *f, unsigned int cmd, struct flock *ufl)
{
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    struct flock fl;
    int64_t base, start, end;
    long ret;

    if (copy_from_user(&fl, ufl, sizeof(fl)) < 0)
        return -EFAULT;
    if (f->flags & O_PATH)
        return -EBADF;
    if (ofd && fl.l_pid != 0)
        return -EINVAL;
    switch (fl.l_whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        spin_lock(&f->pos_lock);
        base = (int64_t)f->pos;
        spin_unlock(&f->pos_lock);
        break;
    case SEEK_END:
        base = (int64_t)__atomic_load_n(&f->inode->size, __ATOMIC_RELAXED);
        break;
    default:
        return -EINVAL;
    }
    if (__builtin_add_overflow(base, fl.l_start, &start))
        return -EOVERFLOW;
    if (fl.l_len > 0) {
        if (__builtin_add_overflow(start, fl.l_len - 1, &end))
            return -EOVERFLOW;
    } else if (fl.l_len < 0) {
        end = start - 1;
        if (__builtin_add_overflow(start, fl.l_len, &start))
            return -EINVAL;
    } else {
        end = -1; /* to the end of the file */
    }
    if (start < 0)
        return -EINVAL;
    if (!get) {
        int acc = f->flags & O_ACCMODE;

        if ((fl.l_type == F_RDLCK && acc == O_WRONLY) ||
            (fl.l_type == F_WRLCK && acc == O_RDONLY))
            return -EBADF;
    }
    ret = locks_record(f, current_fdtable(), current_pid(), ofd, (int)cmd, fl.l_type,
                       (uint64_t)start, end < 0 ? LOCK_END : (uint64_t)end, &fl);
    if (ret == 0 && get)
        ret = copy_to_user(ufl, &fl, sizeof(fl));
    return ret;
}

DEFINE_SYSCALL2(flock, int, fd, int, op)
{
    struct file *f = fd_lookup_file(fd);
    long ret;

    if (!f)
        return -EBADF;
    ret = (f->flags & O_PATH) ? -EBADF : locks_flock(f, current_pid(), op);
    file_put(f);
    return ret;
}

DEFINE_SYSCALL3(close_range, unsigned int, first, unsigned int, last, unsigned int, flags)
{
    if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
        return -EINVAL;
    if (first > last)
        return -EINVAL;
    /* UNSHARE: fd tables are not shared between processes here, so nothing to unshare. */
    return fdtable_close_range(current_fdtable(), first, last,
                               (flags & CLOSE_RANGE_CLOEXEC) != 0);
}

#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032

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
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        ret = fcntl_lock(f, cmd, (struct flock *)arg);
        break;
    case F_SETPIPE_SZ:
    case F_GETPIPE_SZ:
        if (!file_is_pipe(f))
            ret = -EBADF;
        else
            ret = cmd == F_GETPIPE_SZ ? pipe_get_size(f) : pipe_set_size(f, arg);
        break;
    default:
        log_info("fcntl command %u is not served", cmd);
        ret = -EINVAL;
        break;
    }
    file_put(f);
    return ret;
}
