/*
 * `occlum add [-v] PATH...`: copies host files and directories into image/ at the same
 * absolute paths, with what their ELF files load (add_deps.c), as Occlum's copy_bom does.
 *
 * Paths inside the image are resolved by img_dir() as the enclave will resolve them: the
 * image's own symlinks are followed inside image/ (an absolute target means image/...), never
 * by the host kernel, which would follow them out of the image. A directory missing from the
 * image is created as the host has it: a symlink where the host has one (so Debian's merged
 * /usr layout, lib -> usr/lib, is reproduced), a directory otherwise. Where the image already
 * differs from the host (a real directory where the host has a symlink), the image's layout
 * wins and the file lands at the same absolute path through it.
 *
 * Copies keep mode bits and mtimes (ownership is not kept: image_pack stores root); a regular
 * file whose copy already has the same size, mtime and mode is left alone, so adding the same
 * thing twice copies nothing the second time. Each file goes through a temporary name and a
 * rename, so no file in the image is ever half-written; when an error stops part of an add,
 * what was copied before it stays. Directories touched get the host's mode and mtime at the
 * end, after everything inside them was written.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "add.h"
#include "cli.h"
#include "log.h"
#include "util.h"

#define MAX_LINKS 40 /* as Linux's path walk: symlinks followed per resolution */

static void verbose(struct add_ctx *c, const char *path)
{
    if (c->verbose)
        printf("%s\n", path);
}

static int fail(struct add_ctx *c)
{
    c->errors++;
    return -1;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * Resolves the absolute path dir inside the image, creating what is missing as the host has
 * it. Returns the canonical path inside the image ("" for its root, else "/a/b", every
 * component a real directory), malloc()ed, or NULL after an error.
 */
static char *img_dir(struct add_ctx *c, const char *dir)
{
    char *todo = xstrdup(dir);
    char *cur = xstrdup("");
    const char *p = todo;
    int links = 0;
    for (;;) {
        p += strspn(p, "/");
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        char *comp = strndup(p, n);
        p += n;
        if (strcmp(comp, ".") == 0) {
            free(comp);
            continue;
        }
        if (strcmp(comp, "..") == 0) {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
            free(comp);
            continue;
        }
        char *next = xasprintf("%s/%s", cur, comp);
        char *full = xasprintf("%s%s", c->image, next);
        free(comp);
        struct stat st, hst;
        int r = lstat(full, &st);
        if (r != 0 && errno != ENOENT) {
            cli_error("%s: %s", full, strerror(errno));
            goto err;
        }
        if (r != 0) {
            /* The host path `next` names the same place as long as the image mirrors it. */
            if (lstat(next, &hst) == 0 && S_ISLNK(hst.st_mode)) {
                char target[PATH_MAX];
                ssize_t tl = readlink(next, target, sizeof(target) - 1);
                if (tl < 0 || (target[tl] = '\0', symlink(target, full) != 0)) {
                    cli_error("%s: cannot copy the symlink into the image: %s", next,
                              strerror(errno));
                    goto err;
                }
                struct timespec ts[2] = {hst.st_atim, hst.st_mtim};
                utimensat(AT_FDCWD, full, ts, AT_SYMLINK_NOFOLLOW);
                verbose(c, next);
            } else {
                unsigned mode = 0755;
                if (stat(next, &hst) == 0 && S_ISDIR(hst.st_mode))
                    mode = hst.st_mode & 07777;
                if (mkdir(full, mode | S_IRWXU) != 0) {
                    cli_error("%s: cannot create directory: %s", full, strerror(errno));
                    goto err;
                }
                verbose(c, next);
            }
            strset_add(c->touched, cur);
            if (lstat(full, &st) != 0) {
                cli_error("%s: %s", full, strerror(errno));
                goto err;
            }
        }
        if (S_ISDIR(st.st_mode)) {
            free(cur);
            cur = next;
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t tl = readlink(full, target, sizeof(target) - 1);
            if (tl < 0) {
                cli_error("%s: cannot read the symlink: %s", full, strerror(errno));
                goto err;
            }
            target[tl] = '\0';
            if (++links > MAX_LINKS) {
                cli_error("%s: too many levels of symbolic links in the image", dir);
                goto err;
            }
            char *rest = xasprintf("%s%s%s/%s", target[0] == '/' ? "" : cur,
                                   target[0] == '/' ? "" : "/", target, p);
            free(todo);
            todo = rest;
            p = todo;
            free(cur);
            cur = xstrdup("");
            free(next);
        } else {
            cli_error("%s is not a directory in the image (needed for %s)", full, dir);
            goto err;
        }
        free(full);
        continue;
    err:
        free(next);
        free(full);
        free(todo);
        free(cur);
        c->errors++;
        return NULL;
    }
    free(todo);
    return cur;
}

/* path without "//", "/./" and a trailing '/'; relative paths are taken from cwd. */
static char *normalize(const char *path)
{
    char *abs;
    if (path[0] == '/') {
        abs = xstrdup(path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
            return NULL;
        abs = xasprintf("%s/%s", cwd, path);
    }
    char *out = xmalloc(strlen(abs) + 2);
    size_t o = 0;
    for (const char *p = abs; *p;) {
        p += strspn(p, "/");
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (!(n == 1 && p[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    free(abs);
    /* A last ".." cannot be the name of the copy: use the directory it means. */
    const char *last = strrchr(out, '/') + 1;
    if (strcmp(last, "..") == 0) {
        char *real = realpath(out, NULL);
        if (real) {
            free(out);
            out = real;
        }
    }
    return out;
}

static int copy_symlink(struct add_ctx *c, const char *path, const struct stat *st,
                        const char *dest, const char *canon_parent)
{
    char target[PATH_MAX], old[PATH_MAX];
    ssize_t tl = readlink(path, target, sizeof(target) - 1);
    if (tl < 0) {
        cli_error("%s: cannot read the symlink: %s", path, strerror(errno));
        return fail(c);
    }
    target[tl] = '\0';
    struct stat dst;
    if (lstat(dest, &dst) == 0) {
        if (S_ISDIR(dst.st_mode)) {
            cli_error("%s is a directory in the image; not replacing it with the symlink %s", dest,
                      path);
            return fail(c);
        }
        ssize_t ol = S_ISLNK(dst.st_mode) ? readlink(dest, old, sizeof(old) - 1) : -1;
        if (ol == tl && memcmp(old, target, (size_t)tl) == 0 &&
            same_time(&dst.st_mtim, &st->st_mtim))
            return 0;
    }
    char *tmp = xasprintf("%s.occlum-add.tmp", dest);
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, dest) != 0) {
        cli_error("%s: cannot create the symlink: %s", dest, strerror(errno));
        unlink(tmp);
        free(tmp);
        return fail(c);
    }
    free(tmp);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    utimensat(AT_FDCWD, dest, ts, AT_SYMLINK_NOFOLLOW);
    strset_add(c->touched, canon_parent);
    verbose(c, path);
    return 0;
}

static int copy_regular(struct add_ctx *c, const char *path, const struct stat *st,
                        const char *dest, const char *canon_parent)
{
    struct stat dst;
    if (lstat(dest, &dst) == 0) {
        if (S_ISDIR(dst.st_mode)) {
            cli_error("%s is a directory in the image; not replacing it with the file %s", dest,
                      path);
            return fail(c);
        }
        if (S_ISREG(dst.st_mode) && dst.st_size == st->st_size &&
            same_time(&dst.st_mtim, &st->st_mtim) && (dst.st_mode & 07777) == (st->st_mode & 07777))
            return 0;
    }
    if (copy_file_atomic(path, dest, st->st_mode & 07777) < 0)
        return fail(c);
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (utimensat(AT_FDCWD, dest, ts, 0) != 0) {
        cli_error("%s: cannot set the mtime: %s", dest, strerror(errno));
        return fail(c);
    }
    strset_add(c->touched, canon_parent);
    verbose(c, path);
    return 0;
}

static int copy_dir(struct add_ctx *c, const char *path, const struct stat *st)
{
    if (st->st_dev == c->image_dev && st->st_ino == c->image_ino) {
        cli_warn("%s is this instance's image/; not copied into itself", path);
        return 0;
    }
    char *canon = img_dir(c, path);
    if (!canon)
        return -1;
    strset_add(c->touched, canon);
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        cli_error("%s: cannot read the directory: %s", path, strerror(errno));
        free(canon);
        return fail(c);
    }
    int ret = 0;
    const char *sep = strcmp(path, "/") ? "/" : "";
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char *child = xasprintf("%s%s%s", path, sep, name);
        char *dest = xasprintf("%s%s/%s", c->image, canon, name);
        struct stat cst;
        if (lstat(child, &cst) != 0) {
            cli_error("%s: %s", child, strerror(errno));
            ret = fail(c);
        } else if (S_ISLNK(cst.st_mode)) {
            ret |= copy_symlink(c, child, &cst, dest, canon);
        } else if (S_ISREG(cst.st_mode)) {
            if (copy_regular(c, child, &cst, dest, canon) < 0 ||
                add_elf_deps(c, child, SCAN_NAMED, "") < 0)
                ret = -1;
        } else if (S_ISDIR(cst.st_mode)) {
            ret |= copy_dir(c, child, &cst);
        } else {
            cli_warn("%s: not a regular file, directory or symlink; not copied", child);
        }
        free(child);
        free(dest);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(canon);
    return ret;
}

int add_path(struct add_ctx *c, const char *path, bool follow, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        return fail(c);
    }
    if (strcmp(path, "/") == 0) {
        cli_error("refusing to copy / (the whole host) into the image");
        return fail(c);
    }
    if (S_ISDIR(st.st_mode))
        return copy_dir(c, path, &st);
    if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode)) {
        cli_warn("%s: not a regular file, directory or symlink; not copied", path);
        return 0;
    }
    const char *slash = strrchr(path, '/');
    char *parent = strndup(path, (size_t)(slash - path));
    char *canon = img_dir(c, parent[0] ? parent : "/");
    if (!canon) {
        free(parent);
        return -1;
    }
    char *dest = xasprintf("%s%s/%s", c->image, canon, slash + 1);
    int ret;
    if (S_ISREG(st.st_mode)) {
        ret = copy_regular(c, path, &st, dest, canon);
    } else if ((ret = copy_symlink(c, path, &st, dest, canon)) == 0 && follow) {
        char target[PATH_MAX];
        ssize_t tl = readlink(path, target, sizeof(target) - 1);
        target[tl < 0 ? 0 : tl] = '\0';
        char *joined = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", parent, target);
        char *next = normalize(joined);
        struct stat tst;
        if (depth + 1 > MAX_LINKS) {
            cli_error("%s: too many levels of symbolic links", path);
            ret = fail(c);
        } else if (!next || lstat(next, &tst) != 0) {
            cli_error("%s: the symlink's target %s does not exist", path, joined);
            ret = fail(c);
        } else {
            ret = add_path(c, next, true, depth + 1);
        }
        free(joined);
        free(next);
    }
    free(dest);
    free(canon);
    free(parent);
    return ret;
}

/* The host's mode and mtime for every image directory something was written into. */
static void fix_dirs(struct add_ctx *c)
{
    for (size_t i = strset_count(c->touched); i-- > 0;) {
        const char *canon = strset_at(c->touched, i);
        struct stat hst;
        if (stat(canon[0] ? canon : "/", &hst) != 0 || !S_ISDIR(hst.st_mode))
            continue;
        char *full = xasprintf("%s%s", c->image, canon);
        struct timespec ts[2] = {hst.st_atim, hst.st_mtim};
        if (chmod(full, hst.st_mode & 07777) != 0 || utimensat(AT_FDCWD, full, ts, 0) != 0) {
            cli_error("%s: cannot set mode and mtime: %s", full, strerror(errno));
            c->errors++;
        }
        free(full);
    }
}

int cmd_add(int argc, char **argv)
{
    struct add_ctx c = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (is_help_arg(argv[first])) {
            print_help("add", 0);
            return 0;
        }
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        }
        if (strcmp(argv[first], "-v") != 0 && strcmp(argv[first], "--verbose") != 0) {
            cli_error("add: unknown option '%s'", argv[first]);
            print_help("add", 1);
            return 1;
        }
        c.verbose = true;
    }
    if (first == argc) {
        cli_error("add: expected at least one path to copy into image/");
        print_help("add", 1);
        return 1;
    }
    char *inst = instance_dir();
    if (!inst)
        return 1;
    c.image = path_join(inst, "image");
    free(inst);
    struct stat st;
    if (stat(c.image, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("image/ is missing: it holds the files of the enclave's root file system");
        free(c.image);
        return 1;
    }
    c.image_dev = st.st_dev;
    c.image_ino = st.st_ino;

    /* Every path is checked before anything is copied. */
    int n = argc - first;
    char **paths = xmalloc((size_t)n * sizeof(char *));
    int bad = 0;
    for (int i = 0; i < n; i++) {
        paths[i] = normalize(argv[first + i]);
        if (!paths[i] || lstat(paths[i], &st) != 0) {
            cli_error("%s: %s", argv[first + i], paths[i] ? strerror(errno) : "bad path");
            bad++;
        } else if (strcmp(paths[i], "/") == 0) {
            cli_error("refusing to copy / (the whole host) into the image");
            bad++;
        }
    }
    if (!bad) {
        c.scanned = strset_new();
        c.touched = strset_new();
        for (int i = 0; i < n; i++) {
            if (add_path(&c, paths[i], true, 0) == 0 && stat(paths[i], &st) == 0 &&
                S_ISREG(st.st_mode))
                add_elf_deps(&c, paths[i], SCAN_NAMED, "");
        }
        fix_dirs(&c);
        if (c.errors)
            cli_error("add: %d error%s; what was copied before %s stays in image/", c.errors,
                      c.errors == 1 ? "" : "s", c.errors == 1 ? "it" : "them");
    }
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    strset_free(c.scanned);
    strset_free(c.touched);
    add_deps_free(&c);
    free(c.image);
    fflush(stdout);
    return bad || c.errors ? 1 : 0;
}
