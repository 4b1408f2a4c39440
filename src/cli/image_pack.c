/*
 * Image packer: host directory tree -> image.fs (format: include/occlum/image_format.h).
 *
 * Two passes. The scan builds a flat table of nodes whose index is the inode number: the
 * root is 0, and a directory's children get consecutive numbers, in name order, before any
 * grandchild does (each directory's entries are numbered when the directory is scanned, and
 * its subdirectories are scanned afterwards, in name order). The layout pass then gives each
 * inode, in inode order, an 8-byte-aligned data range after the inode table. The write pass
 * emits header, inode table and data in file order, streaming file contents from the host.
 *
 * Reproducibility: nothing but names, contents, mode bits and mtimes reaches the output
 * (uid/gid are 0, readdir order is replaced by sorting, padding is zero), so an untouched
 * tree packs to the same bytes every time.
 *
 * Ownership: the node table and every string in it belong to struct packer and are freed by
 * packer_free(). The packer is single-threaded.
 */
#define _GNU_SOURCE
#include "image_pack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "occlum/image_format.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "image_pack writes the little-endian image structs directly"
#endif

#define SYMLINK_TARGET_MAX 4095 /* PATH_MAX - 1, as Linux's readlink can return at most */
#define DATA_ALIGN         8

struct node {
    char *name;   /* entry name in the parent ("" for the root) */
    char *path;   /* host path, for reading and for messages */
    char *target; /* symlink target (not NUL-terminated in the image), else NULL */
    struct stat st;
    uint32_t parent;
    uint32_t *kids; /* directories: inode numbers of the entries, sorted by name */
    uint32_t nkids;
    uint32_t nsubdirs;
    uint64_t size;     /* image size: file bytes, target length or entry-list bytes */
    uint64_t data_off; /* where the data starts in the image */
};

struct packer {
    struct node *nodes; /* index = inode number */
    uint64_t count;
    uint64_t cap;
    int errors;
    struct image_pack_stats stats;
};

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

static uint64_t dirent_len(const char *name)
{
    return align_up(sizeof(struct image_dirent) + strlen(name), DATA_ALIGN);
}

static char *join_path(const char *dir, const char *name)
{
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

/* Appends a node and returns its inode number, or -1 (message printed). */
static int64_t add_node(struct packer *pk, const char *name, const char *path,
                        const struct stat *st, uint32_t parent)
{
    if (pk->count >= UINT32_MAX) {
        cli_error("%s: too many entries for one image (at most %u)", path, UINT32_MAX);
        return -1;
    }
    if (pk->count == pk->cap) {
        uint64_t cap = pk->cap ? pk->cap * 2 : 256;
        struct node *n = realloc(pk->nodes, cap * sizeof(*n));
        if (!n) {
            cli_error("out of memory while scanning %s", path);
            return -1;
        }
        pk->nodes = n;
        pk->cap = cap;
    }
    struct node *n = &pk->nodes[pk->count];
    memset(n, 0, sizeof(*n));
    n->name = strdup(name);
    n->path = strdup(path);
    if (!n->name || !n->path) {
        free(n->name);
        free(n->path);
        cli_error("out of memory while scanning %s", path);
        return -1;
    }
    n->st = *st;
    n->parent = parent;
    return (int64_t)pk->count++;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names in a directory, sorted bytewise. Returns the count or -1. */
static int64_t read_sorted_names(const char *path, char ***out)
{
    DIR *d = opendir(path);
    if (!d) {
        cli_error("%s: cannot open directory: %s", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                goto oom;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto oom;
        n++;
        errno = 0;
    }
    if (errno) {
        cli_error("%s: cannot read directory: %s", path, strerror(errno));
        goto fail;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_names);
    *out = names;
    return (int64_t)n;
oom:
    cli_error("out of memory while reading %s", path);
fail:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return -1;
}

static const char *type_name(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFCHR:
        return "character device";
    case S_IFBLK:
        return "block device";
    case S_IFIFO:
        return "fifo";
    case S_IFSOCK:
        return "socket";
    default:
        return "file of unknown type";
    }
}

/*
 * Checks one entry and adds it. Returns its inode number, -2 if it was skipped (warned), or
 * -1 on a fatal error (out of memory). Problems in the entry itself count in pk->errors and
 * return -2, so that one build reports every bad entry at once.
 */
static int64_t scan_entry(struct packer *pk, uint32_t parent, const char *dir, const char *name)
{
    char *path = join_path(dir, name);
    if (!path) {
        cli_error("out of memory while scanning %s", dir);
        return -1;
    }
    int64_t ino = -2;
    struct stat st;
    if (strlen(name) > IMAGE_NAME_MAX) {
        cli_error("%s: name is %zu bytes long; image names are at most %d bytes", path,
                  strlen(name), IMAGE_NAME_MAX);
        pk->errors++;
        goto out;
    }
    if (strlen(path) >= PATH_MAX) {
        cli_error("%s: path longer than %d bytes", path, PATH_MAX - 1);
        pk->errors++;
        goto out;
    }
    if (lstat(path, &st) < 0) {
        cli_error("%s: cannot stat: %s", path, strerror(errno));
        pk->errors++;
        goto out;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
        cli_warn("%s: %s not packed (the image holds regular files, directories and "
                 "symlinks); skipped",
                 path, type_name(st.st_mode));
        pk->stats.skipped++;
        goto out;
    }
    char target[SYMLINK_TARGET_MAX + 1];
    ssize_t tlen = 0;
    if (S_ISLNK(st.st_mode)) {
        tlen = readlink(path, target, sizeof(target));
        if (tlen < 0) {
            cli_error("%s: cannot read symlink: %s", path, strerror(errno));
            pk->errors++;
            goto out;
        }
        if (tlen == 0 || tlen > SYMLINK_TARGET_MAX) {
            cli_error("%s: symlink target must be 1..%d bytes", path, SYMLINK_TARGET_MAX);
            pk->errors++;
            goto out;
        }
    }
    ino = add_node(pk, name, path, &st, parent);
    if (ino < 0)
        goto out;
    struct node *n = &pk->nodes[ino];
    if (S_ISLNK(st.st_mode)) {
        n->target = strndup(target, (size_t)tlen);
        if (!n->target) {
            cli_error("out of memory while scanning %s", path);
            ino = -1;
            goto out;
        }
        n->size = (uint64_t)tlen;
    } else if (S_ISREG(st.st_mode)) {
        n->size = (uint64_t)st.st_size;
    }
out:
    free(path);
    return ino;
}

/* Scans the directory at inode dino: numbers its entries, then recurses into subdirs. */
static int scan_dir(struct packer *pk, uint32_t dino)
{
    char **names;
    int64_t nnames = read_sorted_names(pk->nodes[dino].path, &names);
    if (nnames < 0) {
        pk->errors++;
        return 0;
    }
    int ret = 0;
    uint32_t *kids = calloc((size_t)nnames + 1, sizeof(*kids));
    if (!kids) {
        cli_error("out of memory while scanning %s", pk->nodes[dino].path);
        ret = -1;
        goto out;
    }
    uint32_t nkids = 0;
    for (int64_t i = 0; i < nnames; i++) {
        /* pk->nodes may move in scan_entry: look the directory up again each time. */
        int64_t ino = scan_entry(pk, dino, pk->nodes[dino].path, names[i]);
        if (ino == -1) {
            ret = -1;
            free(kids);
            goto out;
        }
        if (ino >= 0)
            kids[nkids++] = (uint32_t)ino;
    }
    struct node *d = &pk->nodes[dino];
    d->kids = kids;
    d->nkids = nkids;
    for (uint32_t i = 0; i < nkids; i++) {
        struct node *k = &pk->nodes[kids[i]];
        d->size += dirent_len(k->name);
        if (S_ISDIR(k->st.st_mode))
            d->nsubdirs++;
    }
    for (uint32_t i = 0; i < nkids && ret == 0; i++) {
        if (S_ISDIR(pk->nodes[kids[i]].st.st_mode))
            ret = scan_dir(pk, kids[i]);
    }
out:
    for (int64_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    return ret;
}

static void packer_free(struct packer *pk)
{
    for (uint64_t i = 0; i < pk->count; i++) {
        free(pk->nodes[i].name);
        free(pk->nodes[i].path);
        free(pk->nodes[i].target);
        free(pk->nodes[i].kids);
    }
    free(pk->nodes);
}

static uint8_t dirent_type(mode_t mode)
{
    if (S_ISDIR(mode))
        return DT_DIR;
    if (S_ISLNK(mode))
        return DT_LNK;
    return DT_REG;
}

static int write_all(FILE *out, const void *buf, size_t len, const char *out_path)
{
    if (len && fwrite(buf, 1, len, out) != len) {
        cli_error("%s: write failed: %s", out_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_zeros(FILE *out, uint64_t len, const char *out_path)
{
    static const uint8_t zeros[DATA_ALIGN];
    return write_all(out, zeros, (size_t)len, out_path);
}

/* Copies exactly n->size bytes of a regular file; a file that changed is an error. */
static int copy_file_data(FILE *out, const struct node *n, const char *out_path)
{
    int fd = open(n->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot open: %s", n->path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_dev != n->st.st_dev || st.st_ino != n->st.st_ino ||
        (uint64_t)st.st_size != n->size) {
        cli_error("%s: changed while the image was being built; build again", n->path);
        close(fd);
        return -1;
    }
    static char buf[1 << 16];
    uint64_t left = n->size;
    while (left > 0) {
        size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
        ssize_t got = read(fd, buf, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            cli_error("%s: read failed: %s", n->path, strerror(errno));
            close(fd);
            return -1;
        }
        if (got == 0) {
            cli_error("%s: shrank while the image was being built; build again", n->path);
            close(fd);
            return -1;
        }
        if (write_all(out, buf, (size_t)got, out_path) < 0) {
            close(fd);
            return -1;
        }
        left -= (uint64_t)got;
    }
    close(fd);
    return 0;
}

static int write_dir_data(FILE *out, const struct packer *pk, const struct node *d,
                          const char *out_path)
{
    for (uint32_t i = 0; i < d->nkids; i++) {
        const struct node *k = &pk->nodes[d->kids[i]];
        struct image_dirent de;
        memset(&de, 0, sizeof(de));
        de.ino = d->kids[i];
        de.name_len = (uint16_t)strlen(k->name);
        de.type = dirent_type(k->st.st_mode);
        if (write_all(out, &de, sizeof(de), out_path) < 0 ||
            write_all(out, k->name, de.name_len, out_path) < 0 ||
            write_zeros(out, dirent_len(k->name) - sizeof(de) - de.name_len, out_path) < 0)
            return -1;
    }
    return 0;
}

static void fill_inode(struct image_inode *in, const struct node *n)
{
    memset(in, 0, sizeof(*in));
    in->mode = (uint32_t)(n->st.st_mode & (S_IFMT | 07777));
    in->nlink = S_ISDIR(n->st.st_mode) ? 2 + n->nsubdirs : 1;
    in->uid = 0;
    in->gid = 0;
    in->size = n->size;
    in->data_off = n->data_off;
    in->mtime_sec = (int64_t)n->st.st_mtim.tv_sec;
    in->mtime_nsec = (uint32_t)n->st.st_mtim.tv_nsec;
    in->parent = S_ISDIR(n->st.st_mode) ? n->parent : 0;
}

static int write_image(struct packer *pk, const char *out_path)
{
    /* Layout: header, inode table, then each inode's data in inode order. */
    uint64_t off = sizeof(struct image_header) + pk->count * sizeof(struct image_inode);
    for (uint64_t i = 0; i < pk->count; i++) {
        struct node *n = &pk->nodes[i];
        off = align_up(off, DATA_ALIGN);
        n->data_off = off;
        if (n->size > UINT64_MAX / 2 - off) {
            cli_error("%s: image would exceed the largest size it can describe", n->path);
            return -1;
        }
        off += n->size;
    }
    uint64_t file_size = off;

    FILE *out = fopen(out_path, "we");
    if (!out) {
        cli_error("%s: cannot create: %s", out_path, strerror(errno));
        return -1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);

    struct image_header hdr;
    memset(&hdr, 0, sizeof(hdr));
    memcpy(hdr.magic, IMAGE_MAGIC_BYTES, sizeof(hdr.magic));
    hdr.version = IMAGE_VERSION;
    hdr.inode_size = sizeof(struct image_inode);
    hdr.inode_count = pk->count;
    hdr.inode_off = sizeof(struct image_header);
    hdr.file_size = file_size;
    int ret = write_all(out, &hdr, sizeof(hdr), out_path);

    for (uint64_t i = 0; i < pk->count && ret == 0; i++) {
        struct image_inode in;
        fill_inode(&in, &pk->nodes[i]);
        ret = write_all(out, &in, sizeof(in), out_path);
    }

    off = sizeof(struct image_header) + pk->count * sizeof(struct image_inode);
    for (uint64_t i = 0; i < pk->count && ret == 0; i++) {
        const struct node *n = &pk->nodes[i];
        ret = write_zeros(out, n->data_off - off, out_path);
        if (ret < 0)
            break;
        if (S_ISDIR(n->st.st_mode))
            ret = write_dir_data(out, pk, n, out_path);
        else if (S_ISLNK(n->st.st_mode))
            ret = write_all(out, n->target, (size_t)n->size, out_path);
        else
            ret = copy_file_data(out, n, out_path);
        off = n->data_off + n->size;
    }
    if (fclose(out) != 0 && ret == 0) {
        cli_error("%s: write failed: %s", out_path, strerror(errno));
        ret = -1;
    }
    if (ret == 0)
        pk->stats.file_size = file_size;
    return ret;
}

int image_pack(const char *src_dir, const char *out_path, struct image_pack_stats *stats)
{
    struct packer pk;
    memset(&pk, 0, sizeof(pk));
    int ret = -1;

    struct stat st;
    if (stat(src_dir, &st) < 0) {
        cli_error("%s: %s", src_dir, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("%s: not a directory", src_dir);
        goto out;
    }
    /* The root is stat()ed, not lstat()ed: image/ may be a symlink to the real tree. */
    if (add_node(&pk, "", src_dir, &st, 0) < 0)
        goto out;
    if (scan_dir(&pk, 0) < 0)
        goto out;
    if (pk.errors) {
        cli_error("%s: %d problem%s found; image not written", src_dir, pk.errors,
                  pk.errors == 1 ? "" : "s");
        goto out;
    }
    for (uint64_t i = 0; i < pk.count; i++) {
        mode_t m = pk.nodes[i].st.st_mode;
        pk.stats.dirs += S_ISDIR(m);
        pk.stats.files += S_ISREG(m);
        pk.stats.symlinks += S_ISLNK(m);
    }
    ret = write_image(&pk, out_path);
out:
    if (stats)
        *stats = pk.stats;
    packer_free(&pk);
    return ret;
}
