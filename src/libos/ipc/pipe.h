/* Pipes and FIFOs (ipc/pipe.c), as the VFS and fcntl see them. */
#ifndef LIBOS_IPC_PIPE_H
#define LIBOS_IPC_PIPE_H

#include <stdbool.h>

struct file;
struct inode;

/* Opens the FIFO `inode` with open(2) `flags`: a referenced file in *out, waiting for the
 * other side as fifo(7) says; -ENXIO (O_WRONLY|O_NONBLOCK, no reader), -ERESTARTSYS,
 * -ENOMEM. */
int fifo_open(struct inode *inode, unsigned int flags, struct file **out);
bool file_is_pipe(const struct file *f);
/* F_GETPIPE_SZ / F_SETPIPE_SZ: the capacity, or the new one (rounded up to a power of two
 * of at least a page); -EBUSY if the data would not fit, -EPERM above 1 MiB. */
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long want);

#endif
