/*
 * `occlum add`, shared between its two halves:
 *   cmd_add.c   copies host paths into image/ at the same absolute path (the image's own
 *               directories and symlinks are followed inside the image, never out of it);
 *   add_deps.c  finds what an ELF file loads (interpreter, DT_NEEDED libraries, resolved as
 *               ld.so resolves them) and has cmd_add.c copy it too.
 * Errors are counted in ctx->errors and each printed once; the copy goes on, so one run
 * reports every missing path or library, and `occlum add` exits 1 at the end.
 */
#ifndef OCCLUM_CLI_ADD_H
#define OCCLUM_CLI_ADD_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

struct add_ctx {
    char *image; /* absolute path of the instance's image/ */
    dev_t image_dev;
    ino_t image_ino;
    bool verbose;
    int errors;
    struct strset *scanned; /* ELF objects whose dependencies were copied (add_deps.c) */
    struct strset *touched; /* image directories (canonical, "" = root) whose entries changed */
    /* add_deps.c: directories of /etc/ld.so.conf (what ld.so.cache holds), loaded lazily */
    struct strset *conf_dirs;
    bool cache_copied; /* /etc/ld.so.cache copied into the image */
};

/*
 * Copies the host path (absolute) into the image at the same path. A directory is copied
 * recursively, symlinks inside it kept as symlinks; every ELF regular file met inside it has
 * its dependencies copied. A symlink is copied as a symlink and, with follow, so is what it
 * points to (chains included, at most 40 links). The dependencies of a regular file named
 * directly are the caller's business (add_elf_deps). depth counts symlinks followed so far.
 * Returns 0, or -1 after printing an error (also counted in c->errors).
 */
int add_path(struct add_ctx *c, const char *path, bool follow, int depth);

enum scan_kind {
    SCAN_NAMED,   /* named by the user or found in an added directory */
    SCAN_LIBRARY, /* found by the search for a DT_NEEDED name, under this path */
};

/*
 * If path is an x86-64 ELF executable or shared object, copies its PT_INTERP interpreter and
 * every DT_NEEDED library, transitively (each found by the search ld.so makes, see
 * add_deps.c), into the image. rpath_chain is the expanded DT_RPATH directories of the
 * objects that load this one (':'-separated; "" for none). Each object is scanned once per
 * (file, $ORIGIN, chain). Returns 0, or -1 after printing what is missing.
 */
int add_elf_deps(struct add_ctx *c, const char *path, enum scan_kind kind, const char *rpath_chain);

/* Frees what add_deps.c keeps in c. */
void add_deps_free(struct add_ctx *c);

#endif /* OCCLUM_CLI_ADD_H */
