/*
 * Pseudo file systems: trees of nodes described by static tables, whose files are generated
 * when read (procfs, sysfs, devfs; after Gramine's libos_fs_pseudo.c).
 *
 * A tree is made of const struct pseudo_node. A directory lists its fixed children and may
 * have one numeric dynamic child (a pid, an fd) whose instances come from `list` and are
 * checked by `exists`; the number is recorded in the inode's struct pseudo_args, so nodes
 * below it (/proc/[pid]/maps) know which process they describe. A regular file's content is
 * produced by `gen` into a struct seqbuf the first time an open file is read, and served from
 * that copy afterwards (like Linux's seq_file), so one open file sees one consistent
 * snapshot. A symlink's target is produced by `gen` as well. A character device brings its
 * own file_ops.
 *
 * Inodes are created on each lookup and hold a reference to their parent (for ".."); nothing
 * is cached, so a pseudo tree needs no lock of its own. Inode numbers are derived from the
 * node and its arguments, so the same path gives the same st_ino each time.
 */
#ifndef LIBOS_FS_PROCFS_PSEUDO_H
#define LIBOS_FS_PROCFS_PSEUDO_H

#include "fs/vfs.h"
#include "uapi/linux_types.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing text buffer in the LibOS heap. After an allocation failure `failed` is set and
 * further output is dropped; generators need not check each call. */
struct seqbuf {
    char *buf;
    size_t len, cap;
    bool failed;
};

void seq_printf(struct seqbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seq_write(struct seqbuf *s, const void *data, size_t len);
void seq_puts(struct seqbuf *s, const char *str);
/* Makes room for `len` more bytes; returns where they go (to be committed with s->len +=),
 * or NULL on -ENOMEM. */
char *seq_reserve(struct seqbuf *s, size_t len);
void seq_free(struct seqbuf *s);

/* The numbers picked up from dynamic directories on the way down. */
struct pseudo_args {
    int pid; /* /proc/[pid]; 0 when none */
    int fd;  /* /proc/[pid]/fd/[fd]; -1 when none */
};

struct pseudo_node;

/* Fills `out` with up to `max` instances >= `from`, ascending; returns how many it wrote. */
typedef size_t (*pseudo_list_fn)(const struct pseudo_args *args, int from, int *out, size_t max);

enum pseudo_arg { PSEUDO_ARG_PID = 1, PSEUDO_ARG_FD };

struct pseudo_node {
    const char *name; /* NULL for a dynamic (numeric) node */
    uint32_t mode;    /* S_IF* | permission bits */
    /* Directories: fixed children (NULL-terminated), and an optional dynamic child. */
    const struct pseudo_node *const *children;
    const struct pseudo_node *dynamic;
    /* Dynamic nodes: which argument the number is, its instances, whether one exists. */
    enum pseudo_arg arg;
    pseudo_list_fn list;
    bool (*exists)(const struct pseudo_args *args);
    /* Regular files and symlinks: the content / target. 0 or -errno (e.g. -ESRCH when the
     * process went away). */
    int (*gen)(const struct pseudo_args *args, struct seqbuf *out);
    /* Regular files that accept writes (a no-op sink, like /proc/sys knobs we do not
     * honour): returns bytes taken or -errno. NULL: -EACCES. */
    ssize_t (*write)(const struct pseudo_args *args, const void *buf, size_t len);
    /* Character devices: their file ops and device number. */
    const struct file_ops *fops;
    uint64_t rdev;
    /* Symlinks that stand for an object rather than a path (Linux's "magic links":
     * /proc/[pid]/fd/N, cwd): the inode itself, referenced. NULL: follow the target. */
    int (*get_inode)(const struct pseudo_args *args, struct inode **out);
    /* Owner from the process (/proc/[pid]/...) rather than root. */
    bool owned_by_process;
};

/* Linux's device numbers (st_rdev). */
#define PSEUDO_MKDEV(major, minor) (((uint64_t)(major) << 8) | (uint64_t)(minor))

/* A new super block whose root is `root`; `type` names it in /proc/mounts. 0, -ENOMEM. */
int pseudo_mount(const struct pseudo_node *root, uint64_t dev, const char *type,
                 struct super_block **out);

/* The node and arguments behind a pseudo inode (for devfs's and procfs's own ops). */
const struct pseudo_node *pseudo_inode_node(const struct inode *inode);
const struct pseudo_args *pseudo_inode_args(const struct inode *inode);

/* For the path walk: the inode a magic link stands for (node->get_inode), referenced.
 * -EINVAL for an ordinary symlink (follow its readlink target instead), -ENOENT / -ESRCH
 * when the object is gone. It is pseudo_iops.get_link. */
int pseudo_get_link(struct inode *link, struct inode **out);

/* Regular-file ops of pseudo files (read from the generated snapshot, lseek SET/CUR/END,
 * write through node->write). */
extern const struct file_ops pseudo_file_ops;

/* Common generators' helpers: a decimal list 0..n-1 as "0-N" (or "0"), newline ended. */
void seq_cpu_range(struct seqbuf *s, int ncpus);

#endif
