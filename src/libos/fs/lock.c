/*
 * Advisory locks (fs/lock.h): a list of struct file_lock per inode (inode->locks).
 *
 * Record locks follow fcntl(2): a lock is (owner, type, [start, end]); two locks conflict
 * when their owners differ, their ranges overlap and one is a write lock. Setting a lock
 * replaces whatever the owner held in the range (splitting a lock that extends past it, so
 * one lock can become two) and merges with the owner's adjacent or overlapping locks of the
 * same type, as Linux does (F_GETLK from another owner then sees the merged range).
 * Unlocking a range trims and splits the same way. flock locks are whole-file locks with the
 * open file as owner, in the same list with their own kind, never conflicting with record
 * locks.
 *
 * Waiting (F_SETLKW, flock without LOCK_NB): until threads and a wait queue exist, a waiter
 * polls: it releases the lock, yields the CPU to the host and tries again. A process whose
 * request conflicts only with locks it set itself (OFD or flock locks through another open
 * file) would wait forever, since it has one thread; it gets -EDEADLK instead.
 *
 * Locking: locks_lock guards every inode's list. At most two new records are needed by one
 * request (a split and the new lock), so they are allocated before taking it.
 */
#include "fs/lock.h"
#include "fs/current.h"
#include "fs/fs_uapi.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

enum lock_kind { LK_POSIX, LK_OFD, LK_FLOCK };

struct file_lock {
    struct file_lock *next;
    void *owner;
    int kind;
    int type; /* F_RDLCK or F_WRLCK */
    uint64_t start, end;
    int pid;
};

static spinlock_t locks_lock = SPINLOCK_INIT;

static bool record_kind(int kind)
{
    return kind != LK_FLOCK;
}

static bool conflicts(const struct file_lock *l, void *owner, int kind, int type,
                      uint64_t start, uint64_t end)
{
    if (l->owner == owner || record_kind(l->kind) != record_kind(kind))
        return false;
    if (l->end < start || l->start > end)
        return false;
    return l->type == F_WRLCK || type == F_WRLCK;
}

static struct file_lock *find_conflict(struct inode *inode, void *owner, int kind, int type,
                                       uint64_t start, uint64_t end)
{
    struct file_lock *l;

    for (l = inode->locks; l; l = l->next)
        if (conflicts(l, owner, kind, type, start, end))
            return l;
    return NULL;
}

/* Removes owner's locks of this kind class in [start, end] (lock held). Uses *spare for a
 * split; freed records go to *freed. */
static void remove_range(struct inode *inode, void *owner, int kind, uint64_t start,
                         uint64_t end, struct file_lock **spare, struct file_lock **freed)
{
    struct file_lock **pp = (struct file_lock **)&inode->locks, *l;

    while ((l = *pp)) {
        if (l->owner != owner || l->kind != kind || l->end < start || l->start > end) {
            pp = &l->next;
            continue;
        }
        if (l->start < start && l->end > end) {
            /* The range is inside l: l keeps the part before, a new record the part after. */
            struct file_lock *after = *spare;

            *spare = NULL;
            *after = *l;
            after->start = end + 1;
            l->end = start - 1;
            after->next = l->next;
            l->next = after;
            return;
        }
        if (l->start < start) {
            l->end = start - 1;
        } else if (l->end > end) {
            l->start = end + 1;
        } else {
            *pp = l->next;
            l->next = *freed;
            *freed = l;
            continue;
        }
        pp = &l->next;
    }
}

/* Adds [start, end] of `type` for owner, merging with touching locks of the same type. */
static void add_merged(struct inode *inode, struct file_lock *nl, struct file_lock **freed)
{
    struct file_lock **pp = (struct file_lock **)&inode->locks, *l;

    while ((l = *pp)) {
        bool touch = l->owner == nl->owner && l->kind == nl->kind && l->type == nl->type &&
                     (l->end == LOCK_END || l->end + 1 >= nl->start) &&
                     (nl->end == LOCK_END || nl->end + 1 >= l->start);
        if (touch) {
            nl->start = MIN(nl->start, l->start);
            nl->end = MAX(nl->end, l->end);
            *pp = l->next;
            l->next = *freed;
            *freed = l;
            continue;
        }
        pp = &l->next;
    }
    nl->next = inode->locks;
    inode->locks = nl;
}

static void free_list(struct file_lock *l)
{
    while (l) {
        struct file_lock *next = l->next;

        kfree(l);
        l = next;
    }
}

/* One attempt to set or clear a lock: 0, -EAGAIN with *holder_pid set, -ENOMEM. */
static int try_set(struct inode *inode, void *owner, int kind, int type, uint64_t start,
                   uint64_t end, int pid, int *holder_pid)
{
    struct file_lock *nl = kzalloc(sizeof(*nl)), *spare = kzalloc(sizeof(*spare));
    struct file_lock *freed = NULL, *c;
    int ret = 0;

    if (!nl || !spare) {
        kfree(nl);
        kfree(spare);
        return -ENOMEM;
    }
    spin_lock(&locks_lock);
    if (type != F_UNLCK && (c = find_conflict(inode, owner, kind, type, start, end))) {
        *holder_pid = c->pid;
        ret = -EAGAIN;
        goto out;
    }
    remove_range(inode, owner, kind, start, end, &spare, &freed);
    if (type != F_UNLCK) {
        *nl = (struct file_lock){.owner = owner, .kind = kind, .type = type, .start = start,
                                 .end = end, .pid = pid};
        add_merged(inode, nl, &freed);
        nl = NULL;
    }
out:
    spin_unlock(&locks_lock);
    kfree(nl);
    kfree(spare);
    free_list(freed);
    return ret;
}

static int set_wait(struct inode *inode, void *owner, int kind, int type, uint64_t start,
                    uint64_t end, int pid, bool wait)
{
    int holder = 0, ret;

    for (;;) {
        ret = try_set(inode, owner, kind, type, start, end, pid, &holder);
        if (ret != -EAGAIN || !wait)
            return ret;
        /* Only another process can release it (one thread per process for now). */
        if (holder == pid)
            return -EDEADLK;
        current_yield();
    }
}

int locks_record(struct file *f, void *owner, int pid, bool ofd, int cmd, int type,
                 uint64_t start, uint64_t end, struct flock *fl)
{
    int kind = ofd ? LK_OFD : LK_POSIX;
    struct file_lock *c;

    if (ofd)
        owner = f;
    if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK)
        return -EINVAL;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (type == F_UNLCK)
            return -EINVAL;
        spin_lock(&locks_lock);
        c = find_conflict(f->inode, owner, kind, type, start, end);
        memset(fl, 0, sizeof(*fl));
        fl->l_type = F_UNLCK;
        if (c) {
            fl->l_type = (int16_t)c->type;
            fl->l_start = (int64_t)c->start;
            fl->l_len = c->end == LOCK_END ? 0 : (int64_t)(c->end - c->start + 1);
            fl->l_pid = c->kind == LK_OFD ? -1 : c->pid;
        }
        spin_unlock(&locks_lock);
        if (!c) {
            fl->l_start = (int64_t)start;
            fl->l_len = end == LOCK_END ? 0 : (int64_t)(end - start + 1);
        }
        return 0;
    }
    return set_wait(f->inode, owner, kind, type, start, end, pid,
                    cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

int locks_flock(struct file *f, int pid, int op)
{
    bool nb = (op & LOCK_NB) != 0;
    int type;

    switch (op & ~LOCK_NB) {
    case LOCK_SH:
        type = F_RDLCK;
        break;
    case LOCK_EX:
        type = F_WRLCK;
        break;
    case LOCK_UN:
        type = F_UNLCK;
        break;
    default:
        return -EINVAL;
    }
    return set_wait(f->inode, f, LK_FLOCK, type, 0, LOCK_END, pid, !nb);
}

static void release_if(struct inode *inode, void *owner, bool posix_only)
{
    struct file_lock **pp, *l, *freed = NULL;

    spin_lock(&locks_lock);
    pp = (struct file_lock **)&inode->locks;
    while ((l = *pp)) {
        if (l->owner == owner && (!posix_only || l->kind == LK_POSIX)) {
            *pp = l->next;
            l->next = freed;
            freed = l;
        } else {
            pp = &l->next;
        }
    }
    spin_unlock(&locks_lock);
    free_list(freed);
}

void locks_release_owner(struct inode *inode, void *owner)
{
    if (inode->locks)
        release_if(inode, owner, true);
}

void locks_release_file(struct file *f)
{
    release_if(f->inode, f, false);
}
