/*
 * Unit test of the image packer (src/cli/image_pack.c): packs a tree made here, reads the
 * image back with an independent reader written against include/occlum/image_format.h, and
 * checks header, inodes, directory entries and contents against the source tree. Also checks
 * that packing twice gives the same bytes and that a non-directory source is refused.
 * Exits 0 when every check passes; prints each failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/cli/image_pack.h"
#include "occlum/image_format.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static char root[256];

static void must(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static void make_file(const char *rel, const void *data, size_t len, mode_t mode, time_t mtime)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    must(fd >= 0, p);
    must(write(fd, data, len) == (ssize_t)len, p);
    close(fd);
    must(chmod(p, mode) == 0, p);
    struct timespec ts[2] = {{mtime, 5}, {mtime, 123456789}};
    must(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) == 0, p);
}

static void make_dir(const char *rel, mode_t mode)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    must(mkdir(p, mode) == 0 && chmod(p, mode) == 0, p);
}

static void set_mtime(const char *rel, time_t mtime)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    must(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) == 0, p);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    must(f != NULL, path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    must(buf && fread(buf, 1, (size_t)n, f) == (size_t)n, path);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return false;
    }
    return true;
}

struct image {
    uint8_t *buf;
    size_t len;
    const struct image_header *hdr;
    const struct image_inode *inodes;
    int *seen; /* per inode: how many directory entries name it */
};

static const struct image_inode *inode_at(struct image *im, uint64_t ino)
{
    return &im->inodes[ino];
}

/* Checks one directory of the image against the host directory hostpath, recursively. */
static void check_dir(struct image *im, uint32_t dino, const char *hostpath)
{
    const struct image_inode *d = inode_at(im, dino);
    CHECK(S_ISDIR(d->mode), "inode %u is not a directory", dino);
    CHECK(d->data_off % 8 == 0, "dir %s data_off %llu unaligned", hostpath,
          (unsigned long long)d->data_off);
    CHECK(d->data_off + d->size <= im->len, "dir %s data past end", hostpath);
    if (d->data_off + d->size > im->len)
        return;
    const uint8_t *p = im->buf + d->data_off, *end = p + d->size;
    char prev[IMAGE_NAME_MAX + 1] = "";
    uint32_t subdirs = 0;
    int nents = 0;
    while (p < end) {
        CHECK(end - p >= (long)sizeof(struct image_dirent), "truncated dirent in %s", hostpath);
        if (end - p < (long)sizeof(struct image_dirent))
            return;
        struct image_dirent de;
        memcpy(&de, p, sizeof(de));
        size_t reclen = (sizeof(de) + de.name_len + 7) & ~(size_t)7;
        CHECK(de.name_len >= 1 && de.name_len <= IMAGE_NAME_MAX, "bad name_len %u", de.name_len);
        CHECK((long)reclen <= end - p, "dirent past end of %s", hostpath);
        CHECK(de.reserved == 0, "dirent reserved byte set");
        CHECK(de.ino < im->hdr->inode_count, "dirent ino %u out of range", de.ino);
        if ((long)reclen > end - p || de.ino >= im->hdr->inode_count || de.name_len == 0)
            return;
        char name[IMAGE_NAME_MAX + 1];
        memcpy(name, p + sizeof(de), de.name_len);
        name[de.name_len] = '\0';
        CHECK(strlen(name) == de.name_len && !strchr(name, '/'), "bad name in %s", hostpath);
        CHECK(all_zero(p + sizeof(de) + de.name_len, reclen - sizeof(de) - de.name_len),
              "nonzero padding after %s", name);
        CHECK(strcmp(prev, name) < 0, "entries not sorted: '%s' then '%s'", prev, name);
        snprintf(prev, sizeof(prev), "%s", name);
        im->seen[de.ino]++;
        nents++;

        const struct image_inode *in = inode_at(im, de.ino);
        char hp[1024];
        snprintf(hp, sizeof(hp), "%s/%s", hostpath, name);
        struct stat st;
        CHECK(lstat(hp, &st) == 0, "%s in image but not on host", hp);
        CHECK((in->mode & S_IFMT) == (st.st_mode & S_IFMT), "%s type differs", hp);
        CHECK((in->mode & 07777) == (st.st_mode & 07777), "%s mode %o, host %o", hp,
              in->mode & 07777, st.st_mode & 07777);
        CHECK(in->uid == 0 && in->gid == 0, "%s not root-owned", hp);
        CHECK(in->mtime_sec == st.st_mtim.tv_sec && in->mtime_nsec == st.st_mtim.tv_nsec,
              "%s mtime differs", hp);
        CHECK(all_zero(in->reserved, sizeof(in->reserved)), "%s inode reserved set", hp);
        CHECK(in->data_off >= im->hdr->inode_off + im->hdr->inode_count * 64 &&
                  in->data_off + in->size <= im->len,
              "%s data out of range", hp);
        uint8_t want_type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
        CHECK(de.type == want_type, "%s dirent type %u, want %u", hp, de.type, want_type);
        if (S_ISDIR(st.st_mode)) {
            subdirs++;
            CHECK(in->parent == dino, "%s parent %u, want %u", hp, in->parent, dino);
            check_dir(im, de.ino, hp);
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = readlink(hp, target, sizeof(target));
            CHECK(in->nlink == 1, "%s nlink %u", hp, in->nlink);
            CHECK(n >= 0 && in->size == (uint64_t)n &&
                      memcmp(im->buf + in->data_off, target, (size_t)n) == 0,
                  "%s target differs", hp);
        } else {
            size_t hlen;
            uint8_t *host = read_all(hp, &hlen);
            CHECK(in->nlink == 1, "%s nlink %u", hp, in->nlink);
            CHECK(in->size == hlen && memcmp(im->buf + in->data_off, host, hlen) == 0,
                  "%s contents differ", hp);
            free(host);
        }
        p += reclen;
    }
    CHECK(d->nlink == 2 + subdirs, "dir %s nlink %u, want %u", hostpath, d->nlink, 2 + subdirs);

    /* Every host entry of a packable type is in the image. */
    DIR *hd = opendir(hostpath);
    struct dirent *e;
    int host_ents = 0;
    while (hd && (e = readdir(hd))) {
        if (e->d_type == DT_REG || e->d_type == DT_DIR || e->d_type == DT_LNK)
            host_ents += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    }
    if (hd)
        closedir(hd);
    CHECK(host_ents == nents, "dir %s has %d entries in the image, %d packable on host", hostpath,
          nents, host_ents);
}

static void check_image(const char *path, uint64_t want_inodes)
{
    struct image im;
    im.buf = read_all(path, &im.len);
    CHECK(im.len >= sizeof(struct image_header), "image too short");
    if (im.len < sizeof(struct image_header))
        return;
    im.hdr = (const struct image_header *)im.buf;
    CHECK(memcmp(im.hdr->magic, IMAGE_MAGIC_BYTES, 8) == 0, "bad magic");
    CHECK(im.hdr->version == IMAGE_VERSION, "version %u", im.hdr->version);
    CHECK(im.hdr->inode_size == sizeof(struct image_inode), "inode_size %u", im.hdr->inode_size);
    CHECK(im.hdr->inode_off == sizeof(struct image_header), "inode_off %llu",
          (unsigned long long)im.hdr->inode_off);
    CHECK(im.hdr->file_size == im.len, "file_size %llu, file is %zu",
          (unsigned long long)im.hdr->file_size, im.len);
    CHECK(all_zero(im.hdr->reserved, sizeof(im.hdr->reserved)), "header reserved set");
    CHECK(im.hdr->inode_count == want_inodes, "inode_count %llu, want %llu",
          (unsigned long long)im.hdr->inode_count, (unsigned long long)want_inodes);
    if (im.hdr->inode_off + im.hdr->inode_count * 64 > im.len)
        return;
    im.inodes = (const struct image_inode *)(im.buf + im.hdr->inode_off);
    im.seen = calloc(im.hdr->inode_count, sizeof(int));
    const struct image_inode *r = inode_at(&im, 0);
    CHECK(S_ISDIR(r->mode) && r->parent == 0, "root inode is not a directory with parent 0");
    struct stat st;
    stat(root, &st);
    CHECK((r->mode & 07777) == (st.st_mode & 07777), "root mode differs");
    check_dir(&im, 0, root);
    for (uint64_t i = 1; i < im.hdr->inode_count; i++)
        CHECK(im.seen[i] == 1, "inode %llu named %d times", (unsigned long long)i, im.seen[i]);
    free(im.seen);
    free(im.buf);
}

static void rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

int main(void)
{
    setenv("OCCLUM_LOG_LEVEL", "error", 0); /* the fifo warning is expected */
    snprintf(root, sizeof(root), "/tmp/test_image_pack.XXXXXX");
    must(mkdtemp(root) != NULL, "mkdtemp");
    char out1[300], out2[300], tree[300];
    snprintf(out1, sizeof(out1), "%s.1.fs", root);
    snprintf(out2, sizeof(out2), "%s.2.fs", root);
    snprintf(tree, sizeof(tree), "%s", root);
    strcat(root, "/image");
    must(mkdir(root, 0755) == 0, root);

    static char big[100000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 2654435761u >> 13);
    make_file("a", "hello\n", 6, 0644, 1000000000);
    make_file("B", "upper", 5, 0600, 1000000001);
    make_file("aa", "", 0, 04755, 1000000002);
    make_dir("sub", 0750);
    make_dir("sub/deeper", 0700);
    make_file("sub/deeper/big", big, sizeof(big), 0444, 1200000000);
    make_file("sub/x", "x", 1, 0644, 1300000000);
    char name255[256];
    memset(name255, 'n', 255);
    name255[255] = '\0';
    make_file(name255, "long", 4, 0644, 1400000000);
    char p[600];
    snprintf(p, sizeof(p), "%s/link", root);
    must(symlink("a", p) == 0, p);
    snprintf(p, sizeof(p), "%s/sub/abs", root);
    must(symlink("/etc/hosts-not-followed", p) == 0, p);
    char p2[600];
    snprintf(p, sizeof(p), "%s/a", root);
    snprintf(p2, sizeof(p2), "%s/hardlink", root);
    must(link(p, p2) == 0, p2);
    snprintf(p, sizeof(p), "%s/pipe", root);
    must(mkfifo(p, 0644) == 0, p);
    make_dir("empty", 0755);
    set_mtime("sub/deeper", 1500000000);
    set_mtime("sub", 1500000001);
    set_mtime("empty", 1500000002);
    set_mtime(".", 1500000003);

    struct image_pack_stats st;
    CHECK(image_pack(root, out1, &st) == 0, "pack failed");
    CHECK(st.files == 7 && st.dirs == 4 && st.symlinks == 2 && st.skipped == 1,
          "stats files %llu dirs %llu symlinks %llu skipped %llu", (unsigned long long)st.files,
          (unsigned long long)st.dirs, (unsigned long long)st.symlinks,
          (unsigned long long)st.skipped);
    check_image(out1, 13);

    CHECK(image_pack(root, out2, NULL) == 0, "second pack failed");
    size_t l1, l2;
    uint8_t *b1 = read_all(out1, &l1), *b2 = read_all(out2, &l2);
    CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0, "two packs of the same tree differ");
    free(b1);
    free(b2);

    /* A changed mtime must show in the image (the image is not blind to metadata). */
    set_mtime("sub/x", 1300000009);
    CHECK(image_pack(root, out2, NULL) == 0, "third pack failed");
    b1 = read_all(out1, &l1);
    b2 = read_all(out2, &l2);
    CHECK(l1 == l2 && memcmp(b1, b2, l1) != 0, "mtime change not reflected");
    free(b1);
    free(b2);

    snprintf(p, sizeof(p), "%s/a", root);
    CHECK(image_pack(p, out2, NULL) == -1, "packing a regular file as a tree succeeded");
    snprintf(p, sizeof(p), "%s/missing", root);
    CHECK(image_pack(p, out2, NULL) == -1, "packing a missing directory succeeded");

    rm_rf(tree);
    unlink(out1);
    unlink(out2);
    printf("image_pack: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
