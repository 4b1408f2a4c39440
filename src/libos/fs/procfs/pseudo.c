/*
 * Pseudo file systems: the generic part shared by procfs, sysfs and devfs (pseudo.h).
 *
 * Each inode's priv is a struct pinode naming its node, the arguments collected on the way
 * down and its parent (referenced, for ".."). Directory positions: 0 is ".", 1 is "..",
 * 2..2+n-1 the fixed children, and from 2+n on the dynamic child's instances, the position
 * after instance k being 2+n+k+1, so a listing resumes correctly when processes or fds come
 * and go between two getdents calls.
 *
 * An open regular file's snapshot (a struct seqbuf in file->priv) is installed with a
 * compare-and-swap on first read, so two threads reading a fresh file at once agree on one.
 */
#include "fs/procfs/pseudo.h"
#include "mm/mm.h"
#include "process/process.h"
#include "time/time.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/string.h"
#include <stdarg.h>

#define DYN_BATCH 64

struct pinode {
    const struct pseudo_node *node;
    struct pseudo_args args;
    struct inode *parent; /* referenced; NULL for the root */
};

struct psb {
    struct super_block sb;
    struct timespec mounted; /* the times every inode reports */
};

/* ---- seqbuf ---- */

char *seq_reserve(struct seqbuf *s, size_t len)
{
    if (s->failed)
        return NULL;
    if (s->cap - s->len < len + 1) {
        size_t cap = s->cap ? s->cap : 256;
        char *nb;

        while (cap - s->len < len + 1) {
            if (cap > (1u << 30)) {
                s->failed = true;
                return NULL;
            }
            cap *= 2;
        }
        nb = krealloc(s->buf, cap);
        if (!nb) {
            s->failed = true;
            return NULL;
        }
        s->buf = nb;
        s->cap = cap;
    }
    return s->buf + s->len;
}

void seq_write(struct seqbuf *s, const void *data, size_t len)
{
    char *p = seq_reserve(s, len);

    if (!p)
        return;
    memcpy(p, data, len);
    s->len += len;
    s->buf[s->len] = '\0';
}

void seq_puts(struct seqbuf *s, const char *str)
{
    seq_write(s, str, strlen(str));
}

void seq_printf(struct seqbuf *s, const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    p = seq_reserve(s, 0);
    if (!p)
        return;
    va_start(ap, fmt);
    n = vsnprintf(p, s->cap - s->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= s->cap - s->len) {
        p = seq_reserve(s, (size_t)n);
        if (!p)
            return;
        va_start(ap, fmt);
        vsnprintf(p, s->cap - s->len, fmt, ap);
        va_end(ap);
    }
    s->len += (size_t)n;
}

void seq_free(struct seqbuf *s)
{
    kfree(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
}

void seq_cpu_range(struct seqbuf *s, int ncpus)
{
    if (ncpus <= 1)
        seq_puts(s, "0\n");
    else
        seq_printf(s, "0-%d\n", ncpus - 1);
}

/* ---- inodes ---- */

static const struct inode_ops pseudo_iops;

static struct pinode *PI(const struct inode *inode)
{
    return inode->priv;
}

const struct pseudo_node *pseudo_inode_node(const struct inode *inode)
{
    return PI(inode)->node;
}

const struct pseudo_args *pseudo_inode_args(const struct inode *inode)
{
    return &PI(inode)->args;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Stable for a node and its arguments; 1 is the root's. */
static uint64_t ino_of(const struct pseudo_node *node, const struct pseudo_args *args, bool root)
{
    uint64_t h;

    if (root)
        return 1;
    h = mix64((uint64_t)(uintptr_t)node);
    h = mix64(h ^ (uint32_t)args->pid);
    h = mix64(h ^ ((uint64_t)(uint32_t)args->fd << 32));
    /* Keep it positive as a signed number too: some programs print st_ino with %ld. */
    h &= 0x7fffffffffffffffULL;
    return h < 2 ? h + 2 : h;
}

static int make_inode(struct super_block *sb, const struct pseudo_node *node,
                      const struct pseudo_args *args, struct inode *parent, struct inode **out)
{
    const struct file_ops *fops = NULL;
    struct pinode *pi = kzalloc(sizeof(*pi));
    struct inode *inode;

    if (!pi)
        return -ENOMEM;
    if (S_ISDIR(node->mode))
        fops = &generic_dir_file_ops;
    else if (S_ISREG(node->mode))
        fops = &pseudo_file_ops;
    else if (!S_ISLNK(node->mode))
        fops = node->fops;
    inode = inode_alloc(sb, ino_of(node, args, parent == NULL), node->mode, 0, &pseudo_iops, fops);
    if (!inode) {
        kfree(pi);
        return -ENOMEM;
    }
    pi->node = node;
    pi->args = *args;
    if (parent)
        inode_get(parent);
    pi->parent = parent;
    inode->priv = pi;
    *out = inode;
    return 0;
}

/* A dynamic entry's name: a decimal number without sign or leading zero, < 10^9. */
static int parse_num(const char *name, size_t len)
{
    int v = 0;

    if (len == 0 || len > 9 || (len > 1 && name[0] == '0'))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static void set_arg(struct pseudo_args *args, enum pseudo_arg which, int v)
{
    if (which == PSEUDO_ARG_PID)
        args->pid = v;
    else
        args->fd = v;
}

static int pseudo_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    const struct pseudo_node *node = PI(dir)->node, *dyn = node->dynamic;
    struct pseudo_args args = PI(dir)->args;

    if (!S_ISDIR(node->mode))
        return -ENOTDIR;
    for (const struct pseudo_node *const *c = node->children; c && *c; c++)
        if (strlen((*c)->name) == len && !memcmp((*c)->name, name, len))
            return make_inode(dir->sb, *c, &args, dir, out);
    if (dyn) {
        int v = parse_num(name, len);

        if (v < 0)
            return -ENOENT;
        set_arg(&args, dyn->arg, v);
        if (dyn->exists && !dyn->exists(&args))
            return -ENOENT;
        return make_inode(dir->sb, dyn, &args, dir, out);
    }
    return -ENOENT;
}

static int pseudo_parent(struct inode *dir, struct inode **out)
{
    struct inode *p = PI(dir)->parent ? PI(dir)->parent : dir;

    inode_get(p);
    *out = p;
    return 0;
}

static int pseudo_getattr(struct inode *inode, struct stat *st)
{
    const struct pseudo_node *node = PI(inode)->node;
    struct psb *psb = container_of(inode->sb, struct psb, sb);

    st->st_dev = inode->sb->dev;
    st->st_ino = inode->ino;
    st->st_mode = node->mode;
    st->st_nlink = S_ISDIR(node->mode) ? 2 : 1;
    st->st_rdev = node->rdev;
    st->st_blksize = 1024;
    st->st_atim = st->st_mtim = st->st_ctim = psb->mounted;
    if (node->owned_by_process && PI(inode)->args.pid > 0) {
        struct process *p = process_lookup(PI(inode)->args.pid);

        if (p) {
            st->st_uid = p->euid;
            st->st_gid = p->egid;
            process_put(p);
        }
    }
    return 0;
}

static long pseudo_readlink(struct inode *inode, char *buf, size_t len)
{
    const struct pseudo_node *node = PI(inode)->node;
    struct seqbuf s = {0};
    long ret;

    if (!node->gen)
        return -EINVAL;
    ret = node->gen(&PI(inode)->args, &s);
    if (ret == 0 && s.failed)
        ret = -ENOMEM;
    if (ret == 0 && s.len >= PATH_MAX)
        ret = -ENAMETOOLONG;
    if (ret == 0) {
        memcpy(buf, s.buf, MIN(len, s.len));
        ret = (long)s.len;
    }
    seq_free(&s);
    return ret;
}

int pseudo_get_link(struct inode *link, struct inode **out)
{
    const struct pseudo_node *node = PI(link)->node;

    if (!S_ISLNK(node->mode) || !node->get_inode)
        return -EINVAL;
    return node->get_inode(&PI(link)->args, out);
}

static unsigned int dtype_of(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR:
        return DT_DIR;
    case S_IFLNK:
        return DT_LNK;
    case S_IFCHR:
        return DT_CHR;
    case S_IFREG:
        return DT_REG;
    default:
        return DT_UNKNOWN;
    }
}

static int pseudo_iterate(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    const struct pseudo_node *node = PI(dir)->node, *dyn = node->dynamic;
    const struct pseudo_args *args = &PI(dir)->args;
    uint64_t nfixed = 0;
    int ids[DYN_BATCH];

    if (!S_ISDIR(node->mode))
        return -ENOTDIR;
    while (node->children && node->children[nfixed])
        nfixed++;
    if (*pos == 0) {
        if (!emit(ctx, ".", 1, dir->ino, DT_DIR, 1))
            return 0;
        *pos = 1;
    }
    if (*pos == 1) {
        struct inode *p = PI(dir)->parent ? PI(dir)->parent : dir;

        if (!emit(ctx, "..", 2, p->ino, DT_DIR, 2))
            return 0;
        *pos = 2;
    }
    while (*pos < 2 + nfixed) {
        const struct pseudo_node *c = node->children[*pos - 2];

        if (!emit(ctx, c->name, strlen(c->name), ino_of(c, args, false), dtype_of(c->mode),
                  *pos + 1))
            return 0;
        (*pos)++;
    }
    if (!dyn || !dyn->list)
        return 0;
    for (;;) {
        uint64_t from64 = *pos - 2 - nfixed;
        size_t n;

        if (from64 > INT32_MAX)
            return 0;
        n = dyn->list(args, (int)from64, ids, DYN_BATCH);
        if (n == 0)
            return 0;
        for (size_t i = 0; i < n; i++) {
            struct pseudo_args a = *args;
            char name[16];
            int len = snprintf(name, sizeof(name), "%d", ids[i]);

            if (ids[i] < (int)from64)
                continue; /* a list that ignores `from` must not loop forever */
            set_arg(&a, dyn->arg, ids[i]);
            if (!emit(ctx, name, (size_t)len, ino_of(dyn, &a, false), dtype_of(dyn->mode),
                      2 + nfixed + (uint64_t)ids[i] + 1))
                return 0;
            *pos = 2 + nfixed + (uint64_t)ids[i] + 1;
        }
        if (n < DYN_BATCH)
            return 0;
    }
}

static void pseudo_release(struct inode *inode)
{
    struct pinode *pi = inode->priv;

    if (!pi)
        return;
    inode_put(pi->parent);
    kfree(pi);
}

static const struct inode_ops pseudo_iops = {
    .lookup = pseudo_lookup,
    .parent = pseudo_parent,
    .getattr = pseudo_getattr,
    .readlink = pseudo_readlink,
    .get_link = pseudo_get_link,
    .iterate = pseudo_iterate,
    .release = pseudo_release,
};

/* ---- regular files ---- */

static int snapshot(struct file *f, struct seqbuf **out)
{
    struct seqbuf *s = __atomic_load_n((struct seqbuf **)&f->priv, __ATOMIC_ACQUIRE);
    struct seqbuf *expected = NULL;
    const struct pseudo_node *node = PI(f->inode)->node;
    int ret;

    if (s) {
        *out = s;
        return 0;
    }
    s = kzalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    ret = node->gen ? node->gen(&PI(f->inode)->args, s) : 0;
    if (ret == 0 && s->failed)
        ret = -ENOMEM;
    if (ret < 0) {
        seq_free(s);
        kfree(s);
        return ret;
    }
    if (!__atomic_compare_exchange_n((struct seqbuf **)&f->priv, &expected, s, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        seq_free(s);
        kfree(s);
        s = expected;
    }
    *out = s;
    return 0;
}

static ssize_t pf_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
    struct seqbuf *s;
    int ret = snapshot(f, &s);

    if (ret < 0)
        return ret;
    if (off >= s->len)
        return 0;
    len = MIN(len, s->len - off);
    memcpy(buf, s->buf + off, len);
    return (ssize_t)len;
}

static ssize_t pf_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
    ssize_t n = pf_pread(f, buf, len, *pos);

    if (n > 0)
        *pos += (uint64_t)n;
    return n;
}

static ssize_t pf_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
    const struct pseudo_node *node = PI(f->inode)->node;

    /* Linux answers a write to a proc file without a write handler with EIO. */
    if (!node->write)
        return -EIO;
    return node->write(&PI(f->inode)->args, buf, len);
}

static ssize_t pf_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
    ssize_t n = pf_pwrite(f, buf, len, *pos);

    if (n > 0)
        *pos += (uint64_t)n;
    return n;
}

static int64_t pf_lseek(struct file *f, int64_t off, int whence)
{
    int64_t base = 0;

    switch (whence) {
    case SEEK_SET:
        break;
    case SEEK_CUR:
        spin_lock(&f->pos_lock);
        base = (int64_t)f->pos;
        spin_unlock(&f->pos_lock);
        break;
    default:
        return -EINVAL; /* as seq_file: the size of a generated file is unknown */
    }
    return file_seek_to(f, base, off);
}

static void pf_release(struct file *f)
{
    struct seqbuf *s = f->priv;

    if (s) {
        seq_free(s);
        kfree(s);
    }
}

const struct file_ops pseudo_file_ops = {
    .read = pf_read,
    .write = pf_write,
    .pread = pf_pread,
    .pwrite = pf_pwrite,
    .lseek = pf_lseek,
    .release = pf_release,
};

/* ---- super block ---- */

static void pseudo_kill(struct super_block *sb)
{
    inode_put(sb->root);
    kfree(container_of(sb, struct psb, sb));
}

int pseudo_mount(const struct pseudo_node *root, uint64_t dev, const char *type,
                 struct super_block **out)
{
    struct pseudo_args args = {.pid = 0, .fd = -1};
    struct psb *psb = kzalloc(sizeof(*psb));
    int ret;

    if (!psb)
        return -ENOMEM;
    psb->sb.dev = dev;
    psb->sb.type = type;
    psb->sb.kill = pseudo_kill;
    psb->sb.priv = NULL;
    if (time_clock_get(CLOCK_REALTIME, &psb->mounted) < 0)
        psb->mounted = (struct timespec){0, 0};
    ret = make_inode(&psb->sb, root, &args, NULL, &psb->sb.root);
    if (ret < 0) {
        kfree(psb);
        return ret;
    }
    *out = &psb->sb;
    return 0;
}
