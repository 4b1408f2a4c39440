/*
 * Packs a host directory tree (an instance's image/) into the read-only image format of
 * include/occlum/image_format.h. The output depends only on the tree's names, contents,
 * permission bits and mtimes, so packing an untouched tree twice gives identical bytes.
 */
#ifndef OCCLUM_CLI_IMAGE_PACK_H
#define OCCLUM_CLI_IMAGE_PACK_H

#include <stdint.h>

struct image_pack_stats {
    uint64_t files;     /* regular files packed */
    uint64_t dirs;      /* directories packed, the root included */
    uint64_t symlinks;  /* symlinks packed */
    uint64_t skipped;   /* entries of other types (devices, fifos, sockets), warned about */
    uint64_t file_size; /* bytes of the image written */
};

/*
 * Packs the directory src_dir into a new file out_path (created or truncated, mode 0644).
 *
 * What goes in: regular files (contents copied; hard links become separate copies with
 * nlink 1), directories (nlink 2 + subdirectories) and symlinks (kept as symlinks, target
 * stored verbatim, never followed). Entries are sorted bytewise by name. Mode bits and mtime
 * come from the source; uid and gid are stored as 0, as Occlum images are root-owned. Other
 * file types are skipped with a warning.
 *
 * Returns 0, or -1 after printing one error line per problem found (a name longer than
 * IMAGE_NAME_MAX, a symlink target longer than 4095 bytes, an unreadable entry, a file that
 * changed while being read, an I/O error). On error out_path may hold a partial image: write
 * to a temporary name and rename it on success. stats may be NULL.
 */
int image_pack(const char *src_dir, const char *out_path, struct image_pack_stats *stats);

#endif /* OCCLUM_CLI_IMAGE_PACK_H */
