/*
 * fd-table operations for the syscall layer (fs/sys_*.c); the table itself is private to
 * fs/fdtable.c. Every function takes the table's lock itself; files returned are referenced.
 */
#ifndef LIBOS_FS_FDTABLE_H
#define LIBOS_FS_FDTABLE_H

#include "fs/fs.h"
#include <stdbool.h>

/* The file at fd (referenced) and, if cloexec is not NULL, its FD_CLOEXEC bit; NULL if fd is
 * not open. */
struct file *fdtable_get(struct fdtable *t, int fd, bool *cloexec);
/* Closes fd: 0 or -EBADF. Drops the table's record locks on the file. */
int fdtable_close(struct fdtable *t, int fd);
/* close_range(2): closes (or with cloexec_only marks FD_CLOEXEC) every open fd in
 * [first, last]. Always 0. */
int fdtable_close_range(struct fdtable *t, unsigned int first, unsigned int last,
                        bool cloexec_only);
/* Makes newfd refer to f (closing what was there). 0, -EBADF (newfd outside 0..limit-1),
 * -ENOMEM. */
int fdtable_replace(struct fdtable *t, int newfd, struct file *f, bool cloexec);
/* Sets fd's FD_CLOEXEC bit: 0 or -EBADF. */
int fdtable_set_cloexec(struct fdtable *t, int fd, bool cloexec);

/* The host's standard stream host_fd as a file (fs/stdio.c). */
int stdio_file_open(int host_fd, struct file **out);
/* The terminal requests passed to a host fd (TCGETS, TIOCGWINSZ), for the standard streams
 * and /dev/tty: copies the answer to the guest's `uarg`; -ENOTTY for any other request. */
long host_tty_ioctl(int host_fd, unsigned long request, unsigned long uarg);

#endif
