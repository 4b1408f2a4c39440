/*
 * The read-only image file system, as `occlum build` writes it (build/image.fs) and the LibOS
 * reads it. All integers are little-endian. Everything is addressed by absolute byte offsets
 * into the file; the LibOS checks every offset and length against the file size and every
 * inode number against the inode count before using it, so a damaged image is an I/O error,
 * never a crash. (Integrity protection of the bytes themselves comes with the protected image.)
 *
 * The image is reproducible: entries are written in sorted order, and nothing but the
 * contents and metadata of image/ goes into it.
 *
 * Header, at offset 0 (64 bytes):
 *   offset size field
 *   0x00   8    magic          IMAGE_MAGIC_BYTES ("OCCIMG01")
 *   0x08   4    version        IMAGE_VERSION
 *   0x0c   4    inode_size     sizeof(struct image_inode) = 64
 *   0x10   8    inode_count    inode 0 is the root directory
 *   0x18   8    inode_off      offset of the inode table (inode_count * 64 bytes)
 *   0x20   8    file_size      total size of the image file
 *   0x28   24   reserved       zero
 *
 * Inode (64 bytes):
 *   0x00   4    mode           S_IFREG, S_IFDIR or S_IFLNK, with permission bits
 *   0x04   4    nlink
 *   0x08   4    uid
 *   0x0c   4    gid
 *   0x10   8    size           regular file: bytes; symlink: target length;
 *                              directory: bytes of its entry list
 *   0x18   8    data_off       where the contents (file bytes, target, entry list) start
 *   0x20   8    mtime_sec
 *   0x28   4    mtime_nsec
 *   0x2c   4    parent         directory: inode number of its parent (root: 0)
 *   0x30   16   reserved       zero
 *
 * Directory entry list: entries back to back, sorted by name (bytewise), no "." or "..":
 *   0x00   4    ino
 *   0x04   2    name_len       1..255
 *   0x06   1    type           DT_REG, DT_DIR or DT_LNK
 *   0x07   1    reserved       zero
 *   0x08   name_len  name      not NUL terminated, no '/' and no NUL
 *   then zero padding to the next multiple of 8
 */
#ifndef OCCLUM_IMAGE_FORMAT_H
#define OCCLUM_IMAGE_FORMAT_H

#include <stdint.h>

/* The 8 bytes that start the file. */
#define IMAGE_MAGIC_BYTES "OCCIMG01"
#define IMAGE_VERSION     1

struct image_header {
    uint8_t magic[8];
    uint32_t version;
    uint32_t inode_size;
    uint64_t inode_count;
    uint64_t inode_off;
    uint64_t file_size;
    uint8_t reserved[24];
};
_Static_assert(sizeof(struct image_header) == 64, "image_header");

struct image_inode {
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t size;
    uint64_t data_off;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
    uint32_t parent;
    uint8_t reserved[16];
};
_Static_assert(sizeof(struct image_inode) == 64, "image_inode");

struct image_dirent {
    uint32_t ino;
    uint16_t name_len;
    uint8_t type;
    uint8_t reserved;
    /* name follows */
};
_Static_assert(sizeof(struct image_dirent) == 8, "image_dirent");

#define IMAGE_NAME_MAX 255

#endif /* OCCLUM_IMAGE_FORMAT_H */
