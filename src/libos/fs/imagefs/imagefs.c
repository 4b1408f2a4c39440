/*
 * imagefs: serves build/image.fs (format: include/occlum/image_format.h) read-only.
 *
 * Nothing is read up front but the header and the root inode. An inode is read and checked
 * when a lookup first reaches it; a directory's entry list is read and checked as a whole the
 * first time it is searched or listed, and kept with its inode. A small direct-mapped cache
 * of inodes (IMAGEFS_CACHE slots, each holding one reference) makes repeated walks of the
 * same directories (/lib, /usr/lib, ...) cost no OCALL. Reads smaller than
 * IMAGEFS_DIRECT_READ go through a block cache (block_cache.h) once the image is mounted:
 * inodes evicted from that small cache, symlink targets, ELF headers and small data
 * segments are then read from the host once.
 *
 * Trust: the host file is untrusted. Every offset and length is checked against the header's
 * file_size (overflow-safe), every inode number against inode_count, every directory entry
 * against its list, and the file is checked to really be file_size bytes long at mount, so
 * a short read later is corruption too. All failures go through IMAGE_CORRUPT, which logs
 * where and returns -EIO.
 *
 * Locking: imagefs.lock guards cache[] and the one-time attachment of a directory's entry
 * list to its inode (image_node.dir). It is never held across an OCALL: lists are read first
 * and attached after (a racing reader's copy is dropped).
 */
#include "fs/imagefs/block_cache.h"
#include "fs/imagefs/imagefs.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "occlum/image_format.h"
#include "occlum/ocall.h"
#include "ocall/ocall.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

/* The one path for damaged images: a log line naming what and where, then -EIO. */
#define IMAGE_CORRUPT(fmt, ...)                                                                    \
    ({                                                                                             \
        log_error("image.fs is damaged: " fmt, ##__VA_ARGS__);                                     \
        -EIO;                                                                                      \
    })

#define IMAGEFS_CACHE 64
/* Block cache slots (4 KiB each, allocated as used: at most 2 MiB of LibOS heap). */
#define IMAGEFS_BLOCKS 512
/* Reads at least this long bypass the block cache (bulk file data would only evict the
 * metadata that the cache is for). */
#define IMAGEFS_DIRECT_READ (32u << 10)
/* A directory list larger than this is refused (-ENOMEM) rather than read into the heap. */
#define IMAGEFS_DIR_MAX (16u << 20)

struct imagefs {
    struct super_block sb;
    int host_fd;
    uint64_t file_size;
    uint64_t inode_count;
    uint64_t inode_off;
    spinlock_t lock;
    struct inode *cache[IMAGEFS_CACHE]; /* guarded by lock; each holds a reference */
    struct block_cache *blocks;         /* NULL until mounted (then file_size is final) */
};

/* A directory's checked entry list. */
struct image_dir {
    uint8_t *buf; /* the raw list */
    uint32_t nents;
    uint32_t *ent_off; /* offset of each entry in buf, in (sorted) order */
};

struct image_node {
    struct image_inode raw; /* checked copy */
    struct image_dir *dir;  /* directories: set once, guarded by imagefs.lock */
};

static const struct inode_ops imagefs_iops;

static struct imagefs *fs_of(struct inode *inode)
{
    return container_of(inode->sb, struct imagefs, sb);
}

static struct image_node *node_of(struct inode *inode)
{
    return inode->priv;
}

/* True if [off, off+len) lies inside the image. */
static bool in_image(const struct imagefs *fs, uint64_t off, uint64_t len)
{
    return !range_wraps(off, len) && off + len <= fs->file_size;
}

/* Reads [off, off+len) of the host file; a short read is corruption. */
static int host_read_exact(struct imagefs *fs, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len > 0) {
        size_t chunk = MIN(len, (size_t)OCALL_DATA_MAX);
        ssize_t n = host_pread(fs->host_fd, p, chunk, off);

        if (n < 0) {
            log_error("image.fs: host read at %#llx failed: %ld", (unsigned long long)off, (long)n);
            return -EIO;
        }
        if (n == 0)
            return IMAGE_CORRUPT("file ends before %#llx (truncated)", (unsigned long long)off);
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads [off, off+len), which lies in one block, through the block cache. */
static int cached_read(struct imagefs *fs, uint64_t off, void *buf, size_t len)
{
    if (block_cache_get(fs->blocks, off, buf, len))
        return 0;
    uint64_t start = ALIGN_DOWN(off, BLOCK_CACHE_BLOCK);
    size_t valid = (size_t)MIN((uint64_t)BLOCK_CACHE_BLOCK, fs->file_size - start);
    uint8_t *block = kmalloc(BLOCK_CACHE_BLOCK);
    if (!block)
        return host_read_exact(fs, off, buf, len);
    int ret = host_read_exact(fs, start, block, valid);
    if (ret == 0) {
        block_cache_put(fs->blocks, start / BLOCK_CACHE_BLOCK, block, valid);
        memcpy(buf, block + (off - start), len);
    }
    kfree(block);
    return ret;
}

/* Reads [off, off+len) of the image into enclave memory; any short read is corruption,
 * since the file was checked at mount to be file_size bytes long. */
static int image_read(struct imagefs *fs, uint64_t off, void *buf, size_t len)
{
    uint8_t *p = buf;

    if (!in_image(fs, off, len))
        return IMAGE_CORRUPT("read of %zu bytes at %#llx is past the end (%#llx)", len,
                             (unsigned long long)off, (unsigned long long)fs->file_size);
    if (!fs->blocks || len >= IMAGEFS_DIRECT_READ)
        return host_read_exact(fs, off, buf, len);
    while (len > 0) {
        size_t chunk = (size_t)MIN((uint64_t)len, BLOCK_CACHE_BLOCK - off % BLOCK_CACHE_BLOCK);
        int ret = cached_read(fs, off, p, chunk);
        if (ret < 0)
            return ret;
        p += chunk;
        off += chunk;
        len -= chunk;
    }
    return 0;
}

static int check_raw_inode(struct imagefs *fs, uint64_t ino, const struct image_inode *r)
{
    uint32_t type = r->mode & S_IFMT;

    if (type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
        return IMAGE_CORRUPT("inode %llu: bad mode %#o", (unsigned long long)ino, r->mode);
    if (!in_image(fs, r->data_off, r->size))
        return IMAGE_CORRUPT("inode %llu: data [%#llx, +%#llx) outside the file",
                             (unsigned long long)ino, (unsigned long long)r->data_off,
                             (unsigned long long)r->size);
    if (type == S_IFLNK && (r->size == 0 || r->size >= PATH_MAX))
        return IMAGE_CORRUPT("inode %llu: symlink target length %llu", (unsigned long long)ino,
                             (unsigned long long)r->size);
    if (type == S_IFDIR && (r->size % 8 != 0 || r->parent >= fs->inode_count))
        return IMAGE_CORRUPT("inode %llu: directory size %llu / parent %u", (unsigned long long)ino,
                             (unsigned long long)r->size, r->parent);
    if (r->mtime_nsec >= 1000000000u)
        return IMAGE_CORRUPT("inode %llu: mtime_nsec %u", (unsigned long long)ino, r->mtime_nsec);
    return 0;
}

static void image_inode_release(struct inode *inode)
{
    struct image_node *node = node_of(inode);

    if (!node)
        return;
    if (node->dir) {
        kfree(node->dir->ent_off);
        kfree(node->dir->buf);
        kfree(node->dir);
    }
    kfree(node);
}

/* The inode numbered `ino`, referenced, from the cache or the image. */
static int image_iget(struct imagefs *fs, uint64_t ino, struct inode **out)
{
    struct inode **slot = &fs->cache[ino % IMAGEFS_CACHE];
    struct inode *inode, *old;
    struct image_node *node;
    const struct file_ops *fops;
    int ret;

    if (ino >= fs->inode_count)
        return IMAGE_CORRUPT("inode number %llu >= inode count %llu", (unsigned long long)ino,
                             (unsigned long long)fs->inode_count);
    spin_lock(&fs->lock);
    if (*slot && (*slot)->ino == ino) {
        inode = *slot;
        inode_get(inode);
        spin_unlock(&fs->lock);
        *out = inode;
        return 0;
    }
    spin_unlock(&fs->lock);

    node = kzalloc(sizeof(*node));
    if (!node)
        return -ENOMEM;
    ret = image_read(fs, fs->inode_off + ino * sizeof(struct image_inode), &node->raw,
                     sizeof(node->raw));
    if (ret == 0)
        ret = check_raw_inode(fs, ino, &node->raw);
    if (ret < 0) {
        kfree(node);
        return ret;
    }
    fops = S_ISDIR(node->raw.mode) ? &generic_dir_file_ops : &generic_ro_file_ops;
    inode = inode_alloc(&fs->sb, ino, node->raw.mode, node->raw.size, &imagefs_iops, fops);
    if (!inode) {
        kfree(node);
        return -ENOMEM;
    }
    inode->priv = node;

    inode_get(inode); /* the cache's reference */
    spin_lock(&fs->lock);
    old = *slot;
    *slot = inode;
    spin_unlock(&fs->lock);
    inode_put(old);
    *out = inode;
    return 0;
}

static int name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, MIN(alen, blen));

    if (c)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Reads and checks a directory's whole entry list. */
static int load_dir(struct imagefs *fs, struct inode *dir, struct image_dir **out)
{
    const struct image_inode *r = &node_of(dir)->raw;
    uint64_t size = r->size, off = 0, ino = dir->ino;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    struct image_dir *d;
    int ret;

    if (size > IMAGEFS_DIR_MAX) {
        log_error("image.fs: directory inode %llu lists %llu bytes; too large",
                  (unsigned long long)ino, (unsigned long long)size);
        return -ENOMEM;
    }
    d = kzalloc(sizeof(*d));
    if (!d)
        return -ENOMEM;
    /* Each entry takes at least 16 bytes (8 of header, a name, padding to 8). */
    d->buf = kmalloc(size ? size : 1);
    d->ent_off = kmalloc((size / 16 + 1) * sizeof(uint32_t));
    ret = -ENOMEM;
    if (!d->buf || !d->ent_off)
        goto out_free;
    ret = image_read(fs, r->data_off, d->buf, size);
    if (ret < 0)
        goto out_free;

    while (off < size) {
        struct image_dirent de;
        const uint8_t *name;
        uint64_t reclen;

        ret = -EIO;
        if (size - off < sizeof(de)) {
            IMAGE_CORRUPT("directory %llu: entry header at +%llu overruns the list",
                          (unsigned long long)ino, (unsigned long long)off);
            goto out_free;
        }
        memcpy(&de, d->buf + off, sizeof(de));
        name = d->buf + off + sizeof(de);
        reclen = ALIGN_UP(sizeof(de) + de.name_len, 8);
        if (de.name_len == 0 || de.name_len > IMAGE_NAME_MAX || reclen > size - off) {
            IMAGE_CORRUPT("directory %llu: entry at +%llu has name length %u",
                          (unsigned long long)ino, (unsigned long long)off, de.name_len);
            goto out_free;
        }
        if (de.ino >= fs->inode_count ||
            (de.type != DT_REG && de.type != DT_DIR && de.type != DT_LNK)) {
            IMAGE_CORRUPT("directory %llu: entry at +%llu has inode %u type %u",
                          (unsigned long long)ino, (unsigned long long)off, de.ino, de.type);
            goto out_free;
        }
        if (memchr(name, '/', de.name_len) || memchr(name, '\0', de.name_len) ||
            (de.name_len == 1 && name[0] == '.') ||
            (de.name_len == 2 && name[0] == '.' && name[1] == '.')) {
            IMAGE_CORRUPT("directory %llu: entry at +%llu has a bad name", (unsigned long long)ino,
                          (unsigned long long)off);
            goto out_free;
        }
        /* Lookups binary-search the list, so it must be strictly sorted. */
        if (prev && name_cmp(prev, prev_len, name, de.name_len) >= 0) {
            IMAGE_CORRUPT("directory %llu: entry at +%llu is out of order or repeated",
                          (unsigned long long)ino, (unsigned long long)off);
            goto out_free;
        }
        d->ent_off[d->nents++] = (uint32_t)off;
        prev = name;
        prev_len = de.name_len;
        off += reclen;
    }
    *out = d;
    return 0;

out_free:
    kfree(d->ent_off);
    kfree(d->buf);
    kfree(d);
    return ret;
}

/* The directory's entry list, loaded on first use. */
static int get_dir(struct inode *dir, struct image_dir **out)
{
    struct imagefs *fs = fs_of(dir);
    struct image_node *node = node_of(dir);
    struct image_dir *d;
    int ret;

    spin_lock(&fs->lock);
    d = node->dir;
    spin_unlock(&fs->lock);
    if (d) {
        *out = d;
        return 0;
    }
    ret = load_dir(fs, dir, &d);
    if (ret < 0)
        return ret;
    spin_lock(&fs->lock);
    if (!node->dir) {
        node->dir = d;
        d = NULL;
    }
    *out = node->dir;
    spin_unlock(&fs->lock);
    if (d) { /* another thread attached its copy first */
        kfree(d->ent_off);
        kfree(d->buf);
        kfree(d);
    }
    return 0;
}

static void dir_entry(const struct image_dir *d, uint32_t i, struct image_dirent *de,
                      const uint8_t **name)
{
    memcpy(de, d->buf + d->ent_off[i], sizeof(*de));
    *name = d->buf + d->ent_off[i] + sizeof(*de);
}

static uint32_t dt_to_ifmt(unsigned int type)
{
    return type == DT_DIR ? S_IFDIR : type == DT_LNK ? S_IFLNK : S_IFREG;
}

static int image_lookup(struct inode *dir, const char *name, size_t name_len, struct inode **out)
{
    struct imagefs *fs = fs_of(dir);
    struct image_dir *d;
    uint32_t lo = 0, hi;
    int ret;

    ret = get_dir(dir, &d);
    if (ret < 0)
        return ret;
    hi = d->nents;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct image_dirent de;
        const uint8_t *ename;
        struct inode *child;
        int c;

        dir_entry(d, mid, &de, &ename);
        c = name_cmp((const uint8_t *)name, name_len, ename, de.name_len);
        if (c < 0) {
            hi = mid;
        } else if (c > 0) {
            lo = mid + 1;
        } else {
            ret = image_iget(fs, de.ino, &child);
            if (ret < 0)
                return ret;
            /* The entry and the inode must agree, and a subdirectory's '..' must lead
             * back here, or walks up and down would see different trees. */
            if ((child->mode & S_IFMT) != dt_to_ifmt(de.type) ||
                (S_ISDIR(child->mode) && node_of(child)->raw.parent != dir->ino)) {
                inode_put(child);
                return IMAGE_CORRUPT("directory %llu: entry for inode %u disagrees with it",
                                     (unsigned long long)dir->ino, de.ino);
            }
            *out = child;
            return 0;
        }
    }
    return -ENOENT;
}

static int image_parent(struct inode *dir, struct inode **out)
{
    struct inode *p;
    int ret;

    if (dir->ino == 0) {
        inode_get(dir);
        *out = dir;
        return 0;
    }
    ret = image_iget(fs_of(dir), node_of(dir)->raw.parent, &p);
    if (ret < 0)
        return ret;
    if (!S_ISDIR(p->mode)) {
        inode_put(p);
        return IMAGE_CORRUPT("inode %llu: parent %u is not a directory",
                             (unsigned long long)dir->ino, node_of(dir)->raw.parent);
    }
    *out = p;
    return 0;
}

static int image_getattr(struct inode *inode, struct stat *st)
{
    const struct image_inode *r = &node_of(inode)->raw;
    struct timespec t = {r->mtime_sec, r->mtime_nsec};

    st->st_dev = inode->sb->dev;
    st->st_ino = inode->ino + 1;
    st->st_nlink = r->nlink;
    st->st_mode = r->mode;
    st->st_uid = r->uid;
    st->st_gid = r->gid;
    st->st_size = (int64_t)r->size;
    st->st_blksize = 4096;
    st->st_blocks = (int64_t)((r->size + 511) / 512);
    st->st_atim = t;
    st->st_mtim = t;
    st->st_ctim = t;
    return 0;
}

static long image_readlink(struct inode *inode, char *buf, size_t len)
{
    const struct image_inode *r = &node_of(inode)->raw;
    size_t n = MIN(len, (size_t)r->size);
    int ret;

    if (!S_ISLNK(inode->mode))
        return -EINVAL;
    ret = image_read(fs_of(inode), r->data_off, buf, n);
    if (ret < 0)
        return ret;
    if (memchr(buf, '\0', n))
        return IMAGE_CORRUPT("symlink inode %llu: target holds a NUL",
                             (unsigned long long)inode->ino);
    return (long)r->size;
}

/* Positions: 0 is ".", 1 is "..", 2 + i is entry i. */
static int image_iterate(struct inode *dir, uint64_t *pos, dir_emit_fn emit, void *ctx)
{
    struct image_dir *d;
    struct inode *parent;
    int ret;

    ret = get_dir(dir, &d);
    if (ret < 0)
        return ret;
    if (*pos == 0) {
        if (!emit(ctx, ".", 1, dir->ino + 1, DT_DIR, 1))
            return 0;
        *pos = 1;
    }
    if (*pos == 1) {
        ret = image_parent(dir, &parent);
        if (ret < 0)
            return ret;
        ret = emit(ctx, "..", 2, parent->ino + 1, DT_DIR, 2);
        inode_put(parent);
        if (!ret)
            return 0;
        *pos = 2;
    }
    while (*pos - 2 < d->nents) {
        struct image_dirent de;
        const uint8_t *name;

        dir_entry(d, (uint32_t)(*pos - 2), &de, &name);
        if (!emit(ctx, (const char *)name, de.name_len, (uint64_t)de.ino + 1, de.type, *pos + 1))
            return 0;
        (*pos)++;
    }
    return 0;
}

static ssize_t image_file_read(struct inode *inode, void *buf, size_t len, uint64_t off)
{
    const struct image_inode *r = &node_of(inode)->raw;
    int ret;

    if (!S_ISREG(inode->mode))
        return -EINVAL;
    if (off >= r->size)
        return 0;
    len = MIN(len, (size_t)(r->size - off));
    ret = image_read(fs_of(inode), r->data_off + off, buf, len);
    return ret < 0 ? ret : (ssize_t)len;
}

static long image_key_read(const struct content_key *key, void *buf, unsigned long len,
                           uint64_t off)
{
    struct inode *inode;
    int ret = image_iget((struct imagefs *)key->fs, key->ino, &inode);
    if (ret < 0)
        return ret;
    ssize_t n = image_file_read(inode, buf, len, off);
    inode_put(inode);
    return n;
}

/* The image is read-only and mounted for the LibOS's lifetime: (fs, ino) names the same bytes
 * forever. */
static bool image_content_key(struct inode *inode, struct content_key *key)
{
    key->fs = fs_of(inode);
    key->ino = inode->ino;
    key->read = image_key_read;
    return true;
}

static const struct inode_ops imagefs_iops = {
    .lookup = image_lookup,
    .parent = image_parent,
    .getattr = image_getattr,
    .readlink = image_readlink,
    .iterate = image_iterate,
    .read = image_file_read,
    .release = image_inode_release,
    .content_key = image_content_key,
};

static int check_header(struct imagefs *fs, const struct image_header *h)
{
    static const uint8_t zero[sizeof(h->reserved)];
    uint8_t last;
    ssize_t n;

    if (memcmp(h->magic, IMAGE_MAGIC_BYTES, sizeof(h->magic)) != 0)
        return IMAGE_CORRUPT("bad magic");
    if (h->version != IMAGE_VERSION || h->inode_size != sizeof(struct image_inode))
        return IMAGE_CORRUPT("version %u / inode size %u not supported", h->version, h->inode_size);
    if (memcmp(h->reserved, zero, sizeof(zero)) != 0)
        return IMAGE_CORRUPT("reserved header bytes are not zero");
    if (h->file_size < sizeof(*h) || h->inode_count == 0 ||
        h->inode_count > h->file_size / sizeof(struct image_inode))
        return IMAGE_CORRUPT("file size %llu / inode count %llu", (unsigned long long)h->file_size,
                             (unsigned long long)h->inode_count);
    fs->file_size = h->file_size;
    fs->inode_count = h->inode_count;
    fs->inode_off = h->inode_off;
    if (h->inode_off < sizeof(*h) ||
        !in_image(fs, h->inode_off, h->inode_count * sizeof(struct image_inode)))
        return IMAGE_CORRUPT("inode table at %#llx outside the file",
                             (unsigned long long)h->inode_off);
    /* The host file must really be file_size long, so later short reads mean damage. */
    n = host_pread(fs->host_fd, &last, 1, h->file_size - 1);
    if (n != 1)
        return IMAGE_CORRUPT("file is shorter than its header says (%llu bytes)",
                             (unsigned long long)h->file_size);
    return 0;
}

int imagefs_mount(int host_fd, struct super_block **out)
{
    struct image_header h;
    struct imagefs *fs;
    struct inode *root;
    int ret;

    fs = kzalloc(sizeof(*fs));
    if (!fs)
        return -ENOMEM;
    fs->host_fd = host_fd;
    fs->lock = (spinlock_t)SPINLOCK_INIT;
    fs->sb.dev = IMAGEFS_DEV;
    fs->sb.readonly = true;
    fs->sb.priv = fs;
    fs->file_size = sizeof(h); /* enough to read the header through image_read */
    ret = image_read(fs, 0, &h, sizeof(h));
    if (ret == 0)
        ret = check_header(fs, &h);
    if (ret == 0)
        ret = image_iget(fs, 0, &root);
    if (ret < 0)
        goto out_free;
    if (!S_ISDIR(root->mode)) {
        inode_put(root);
        ret = IMAGE_CORRUPT("root inode is not a directory");
        goto out_free;
    }
    fs->sb.root = root;
    fs->blocks = block_cache_create(IMAGEFS_BLOCKS); /* NULL: every read goes to the host */
    *out = &fs->sb;
    return 0;

out_free:
    imagefs_unmount(&fs->sb);
    return ret;
}

void imagefs_unmount(struct super_block *sb)
{
    struct imagefs *fs = container_of(sb, struct imagefs, sb);
    size_t i;

    inode_put(sb->root);
    for (i = 0; i < IMAGEFS_CACHE; i++)
        inode_put(fs->cache[i]);
    block_cache_destroy(fs->blocks);
    kfree(fs);
}
