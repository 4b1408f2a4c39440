/*
 * Advisory file locks (fs/lock.c): fcntl record locks (classic POSIX locks, owned by a
 * process, and OFD locks, owned by an open file description) and flock(2) locks (owned by
 * an open file description, whole-file). Record locks of both kinds conflict with each
 * other; flock locks only with flock locks, as on Linux.
 */
#ifndef LIBOS_FS_LOCK_H
#define LIBOS_FS_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct inode;
struct flock;

#define LOCK_END UINT64_MAX /* "to the end of the file, however long it grows" */

/*
 * fcntl's F_GETLK / F_SETLK / F_SETLKW (ofd: the F_OFD_* variants) on f's inode for the
 * range [start, end] (inclusive; end LOCK_END) already made absolute by the caller.
 * `owner` identifies a classic lock's owner (the process's fd table); OFD locks are owned by
 * f. type is F_RDLCK, F_WRLCK or F_UNLCK. For F_GETLK, *fl receives the first conflicting
 * lock (l_whence SEEK_SET, l_pid -1 for OFD locks) or l_type F_UNLCK. Returns 0, -EAGAIN
 * (conflict, F_SETLK), -EDEADLK (F_SETLKW would wait for a lock the waiting process holds
 * itself: no other thread can release it), -ENOMEM, -ENOLCK.
 */
int locks_record(struct file *f, void *owner, int pid, bool ofd, int cmd, int type,
                 uint64_t start, uint64_t end, struct flock *fl);
/* flock(2): op is LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB. 0, -EWOULDBLOCK (-EAGAIN),
 * -EINVAL, -EDEADLK (see above), -ENOMEM. */
int locks_flock(struct file *f, int pid, int op);
/* Drops the classic locks `owner` holds on inode (close(2) of any fd of the file). */
void locks_release_owner(struct inode *inode, void *owner);
/* Drops the OFD and flock locks of f (its last reference went). */
void locks_release_file(struct file *f);

#endif
