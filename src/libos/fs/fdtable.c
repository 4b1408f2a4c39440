/*
 * Per-process fd tables: fd number -> (referenced struct file, FD_CLOEXEC).
 *
 * A new fd is the lowest free one (POSIX), below the process's RLIMIT_NOFILE (and never above
 * FDTABLE_HARD_MAX, Linux's default nr_open). The slot array grows by doubling.
 *
 * Locking: fdtable.lock guards size and slots. It is never held across an allocation or a
 * file_put (which may run a file's release op): the table is grown by allocating outside the
 * lock and retrying, and replaced or closed files are put after unlocking.
 *
 * Classic (POSIX) record locks belong to the process, i.e. to its fd table: closing any fd
 * of a file drops the table's locks on that file (fs/lock.c), as on Linux.
 */
#include "fs/fdtable.h"
#include "fs/lock.h"
#include "fs/current.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

#define FDTABLE_HARD_MAX (1 << 20)
#define FDTABLE_INITIAL  64

struct fd_slot {
    struct file *file; /* referenced, or NULL if the fd is free */
    bool cloexec;
};

struct fdtable {
    spinlock_t lock;
    int size;              /* guarded by lock: number of slots */
    struct fd_slot *slots; /* guarded by lock */
};

static int fd_limit(void)
{
    uint64_t lim = current_nofile_limit();

    return lim > FDTABLE_HARD_MAX ? FDTABLE_HARD_MAX : (int)lim;
}

static struct fdtable *fdtable_alloc(int size)
{
    struct fdtable *t = kzalloc(sizeof(*t));

    if (!t)
        return NULL;
    t->slots = kzalloc((size_t)size * sizeof(struct fd_slot));
    if (!t->slots) {
        kfree(t);
        return NULL;
    }
    t->size = size;
    t->lock = (spinlock_t)SPINLOCK_INIT;
    return t;
}

/* Makes the table at least `want` slots big. Called and returns without the lock. */
static int fdtable_grow(struct fdtable *t, int want)
{
    struct fd_slot *slots, *old = NULL;
    int size;

    spin_lock(&t->lock);
    size = t->size;
    spin_unlock(&t->lock);
    if (size >= want)
        return 0;
    while (size < want)
        size *= 2;
    slots = kzalloc((size_t)size * sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    spin_lock(&t->lock);
    if (t->size < size) {
        memcpy(slots, t->slots, (size_t)t->size * sizeof(*slots));
        old = t->slots;
        t->slots = slots;
        t->size = size;
        slots = NULL;
    }
    spin_unlock(&t->lock);
    kfree(old);
    kfree(slots);
    return 0;
}

/* Drops a file just removed from the table t (no lock held). */
static void put_closed(struct fdtable *t, struct file *f)
{
    if (!f)
        return;
    locks_release_owner(f->inode, t);
    file_put(f);
}

struct fdtable *fdtable_create_stdio(void)
{
    struct fdtable *t = fdtable_alloc(FDTABLE_INITIAL);
    int fd;

    if (!t)
        return NULL;
    for (fd = 0; fd < 3; fd++) {
        if (stdio_file_open(fd, &t->slots[fd].file) < 0) {
            fdtable_destroy(t);
            return NULL;
        }
    }
    return t;
}

struct fdtable *fdtable_clone(struct fdtable *t, bool skip_cloexec)
{
    struct fdtable *copy;
    int size, fd;

    for (;;) {
        spin_lock(&t->lock);
        size = t->size;
        spin_unlock(&t->lock);
        copy = fdtable_alloc(size);
        if (!copy)
            return NULL;
        spin_lock(&t->lock);
        if (t->size == size)
            break;
        spin_unlock(&t->lock);
        fdtable_destroy(copy);
    }
    for (fd = 0; fd < size; fd++) {
        struct fd_slot *s = &t->slots[fd];

        if (!s->file || (skip_cloexec && s->cloexec))
            continue;
        file_get(s->file);
        copy->slots[fd] = *s;
    }
    spin_unlock(&t->lock);
    return copy;
}

void fdtable_destroy(struct fdtable *t)
{
    int fd;

    if (!t)
        return;
    for (fd = 0; fd < t->size; fd++)
        put_closed(t, t->slots[fd].file);
    kfree(t->slots);
    kfree(t);
}

int fdtable_install(struct fdtable *t, struct file *f, int min_fd, bool cloexec)
{
    int limit = fd_limit(), fd, ret;

    if (min_fd < 0 || min_fd >= limit)
        return min_fd < 0 ? -EINVAL : -EMFILE;
    for (;;) {
        spin_lock(&t->lock);
        for (fd = min_fd; fd < t->size && fd < limit; fd++) {
            if (!t->slots[fd].file) {
                file_get(f);
                t->slots[fd].file = f;
                t->slots[fd].cloexec = cloexec;
                spin_unlock(&t->lock);
                return fd;
            }
        }
        spin_unlock(&t->lock);
        if (fd >= limit)
            return -EMFILE;
        ret = fdtable_grow(t, fd + 1);
        if (ret < 0)
            return ret;
    }
}

struct file *fdtable_get(struct fdtable *t, int fd, bool *cloexec)
{
    struct file *f = NULL;

    if (fd < 0)
        return NULL;
    spin_lock(&t->lock);
    if (fd < t->size && t->slots[fd].file) {
        f = t->slots[fd].file;
        file_get(f);
        if (cloexec)
            *cloexec = t->slots[fd].cloexec;
    }
    spin_unlock(&t->lock);
    return f;
}

int fdtable_close(struct fdtable *t, int fd)
{
    struct file *f = NULL;

    if (fd < 0)
        return -EBADF;
    spin_lock(&t->lock);
    if (fd < t->size) {
        f = t->slots[fd].file;
        t->slots[fd].file = NULL;
        t->slots[fd].cloexec = false;
    }
    spin_unlock(&t->lock);
    if (!f)
        return -EBADF;
    put_closed(t, f);
    return 0;
}

int fdtable_close_range(struct fdtable *t, unsigned int first, unsigned int last,
                        bool cloexec_only)
{
    unsigned int fd;

    for (fd = first; fd <= last; fd++) {
        struct file *f = NULL;

        spin_lock(&t->lock);
        if (fd >= (unsigned int)t->size) {
            spin_unlock(&t->lock);
            break;
        }
        if (cloexec_only) {
            if (t->slots[fd].file)
                t->slots[fd].cloexec = true;
        } else {
            f = t->slots[fd].file;
            t->slots[fd].file = NULL;
            t->slots[fd].cloexec = false;
        }
        spin_unlock(&t->lock);
        put_closed(t, f);
        if (fd == UINT32_MAX)
            break;
    }
    return 0;
}

int fdtable_replace(struct fdtable *t, int newfd, struct file *f, bool cloexec)
{
    struct file *old;
    int ret;

    if (newfd < 0 || newfd >= fd_limit())
        return -EBADF;
    ret = fdtable_grow(t, newfd + 1);
    if (ret < 0)
        return ret;
    file_get(f);
    spin_lock(&t->lock);
    old = t->slots[newfd].file;
    t->slots[newfd].file = f;
    t->slots[newfd].cloexec = cloexec;
    spin_unlock(&t->lock);
    put_closed(t, old);
    return 0;
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec)
{
    int ret = -EBADF;

    if (fd < 0)
        return -EBADF;
    spin_lock(&t->lock);
    if (fd < t->size && t->slots[fd].file) {
        t->slots[fd].cloexec = cloexec;
        ret = 0;
    }
    spin_unlock(&t->lock);
    return ret;
}

struct file *fd_lookup_file(int fd)
{
    struct fdtable *t = current_fdtable();

    return t ? fdtable_get(t, fd, NULL) : NULL;
}
