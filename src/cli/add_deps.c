/*
 * What an ELF file loads, found the way glibc's ld.so (2.36, Debian 12) finds it, so that the
 * interpreter inside the enclave finds the same files in the image:
 *
 *   1. a DT_NEEDED name holding '/' is a path ($ORIGIN etc. expanded);
 *   2. unless the object has DT_RUNPATH: the DT_RPATH directories of the object, then of the
 *      object that loaded it, and so on up to the executable (the "rpath chain");
 *   3. LD_LIBRARY_PATH: never (it is the host user's setting, not part of the program);
 *   4. the object's own DT_RUNPATH;
 *   5. unless DF_1_NODEFLIB: the directories of /etc/ld.so.conf (include lines followed), which
 *      is what /etc/ld.so.cache indexes, then the system directories `ld.so --help` lists here:
 *      /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib.
 *
 * In each directory ld.so tries the glibc-hwcaps and legacy hwcap subdirectories first (as
 * `LD_DEBUG=libs` shows); the first directory holding a loadable x86-64 ELF64 file of that
 * name wins (a file of another class is skipped, as ld.so skips it). All the variants found in
 * that directory are copied, since the CPU the enclave runs on decides which one ld.so takes.
 * $ORIGIN is the directory of the path the object was loaded by; for an executable it is the
 * directory of its real path (ld.so reads /proc/self/exe). $LIB is lib/x86_64-linux-gnu and
 * $PLATFORM x86_64 on Debian's x86-64 glibc.
 *
 * The image has no ld.so.cache unless a library was found only through a directory of
 * /etc/ld.so.conf that is not a system directory: then the host's cache is copied too, or
 * ld.so inside would not look there.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "add.h"
#include "elf_info.h"
#include "log.h"

#define LD_SO_CONF   "/etc/ld.so.conf"
#define LD_SO_CACHE  "/etc/ld.so.cache"
#define DST_LIB      "lib/x86_64-linux-gnu"
#define DST_PLATFORM "x86_64"
#define CONF_DEPTH   8

static const char *const system_dirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib",
    "/usr/lib",
};

static const char *const hwcap_subdirs[] = {
    "glibc-hwcaps/x86-64-v4/",
    "glibc-hwcaps/x86-64-v3/",
    "glibc-hwcaps/x86-64-v2/",
    "tls/x86_64/x86_64/",
    "tls/x86_64/",
    "tls/",
    "x86_64/x86_64/",
    "x86_64/",
    "",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- /etc/ld.so.conf ---- */

static void conf_read(struct add_ctx *c, const char *file, int depth);

static void conf_include(struct add_ctx *c, const char *file, const char *pattern, int depth)
{
    char *pat;
    if (pattern[0] == '/') {
        pat = xstrdup(pattern);
    } else { /* ldconfig: relative to the including file's directory */
        char *copy = xstrdup(file);
        pat = xasprintf("%s/%s", dirname(copy), pattern);
        free(copy);
    }
    glob_t g;
    if (glob(pat, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            conf_read(c, g.gl_pathv[i], depth + 1);
        globfree(&g);
    }
    free(pat);
}

static void conf_read(struct add_ctx *c, const char *file, int depth)
{
    if (depth > CONF_DEPTH)
        return;
    FILE *f = fopen(file, "re");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = line + strspn(line, " \t\r\n");
        s[strcspn(s, "\r\n")] = '\0';
        if (strncmp(s, "include", 7) == 0 && (s[7] == ' ' || s[7] == '\t')) {
            char *save, *tok;
            for (tok = strtok_r(s + 7, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
                conf_include(c, file, tok, depth);
            continue;
        }
        if (strncmp(s, "hwcap", 5) == 0)
            continue;
        s[strcspn(s, " \t,=:")] = '\0'; /* old "dir=TYPE" entries and separators */
        size_t n = strlen(s);
        while (n > 1 && s[n - 1] == '/')
            s[--n] = '\0';
        if (s[0] == '/')
            strset_add(c->conf_dirs, s);
    }
    free(line);
    fclose(f);
}

static bool is_system_dir(const char *dir)
{
    for (size_t i = 0; i < ARRAY_LEN(system_dirs); i++) {
        if (strcmp(dir, system_dirs[i]) == 0)
            return true;
    }
    return false;
}

/* ---- dynamic string tokens ---- */

/* s with $ORIGIN, $LIB, $PLATFORM (also ${...}) expanded; an unknown token stays as is. */
static char *expand_dst(const char *s, const char *origin)
{
    static const struct {
        const char *name;
        size_t len;
    } tokens[] = {{"ORIGIN", 6}, {"LIB", 3}, {"PLATFORM", 8}};
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) {
        cli_error("out of memory");
        exit(1);
    }
    while (*s) {
        if (*s != '$') {
            fputc(*s++, f);
            continue;
        }
        const char *value = NULL;
        size_t skip = 0;
        for (size_t i = 0; i < ARRAY_LEN(tokens) && !value; i++) {
            size_t n = tokens[i].len;
            if (s[1] == '{' && strncmp(s + 2, tokens[i].name, n) == 0 && s[2 + n] == '}') {
                skip = n + 3;
            } else if (strncmp(s + 1, tokens[i].name, n) == 0 &&
                       !(s[1 + n] == '_' || (s[1 + n] >= 'A' && s[1 + n] <= 'Z') ||
                         (s[1 + n] >= 'a' && s[1 + n] <= 'z') ||
                         (s[1 + n] >= '0' && s[1 + n] <= '9'))) {
                skip = n + 1;
            } else {
                continue;
            }
            value = i == 0 ? origin : i == 1 ? DST_LIB : DST_PLATFORM;
        }
        if (value) {
            fputs(value, f);
            s += skip;
        } else {
            fputc(*s++, f);
        }
    }
    if (fclose(f) != 0) {
        cli_error("out of memory");
        exit(1);
    }
    return out;
}

/* Appends the expanded, absolute directories of a DT_RPATH/DT_RUNPATH string to list. */
static void add_search_dirs(struct strset *list, const char *path_list, const char *origin)
{
    char *exp = expand_dst(path_list, origin);
    char *save, *tok;
    for (tok = strtok_r(exp, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        /* A relative entry is relative to the process's cwd at run time: nothing to copy. */
        if (tok[0] != '/') {
            cli_debug("search directory '%s' is relative; ignored", tok);
            continue;
        }
        size_t n = strlen(tok);
        while (n > 1 && tok[n - 1] == '/')
            tok[--n] = '\0';
        strset_add(list, tok);
    }
    free(exp);
}

/* ---- the search ---- */

/*
 * Looks for name in dir and its hwcap subdirectories; copies every loadable variant found
 * (and what each loads). Returns 1 if found, 0 if not, -1 on a copy error.
 */
static int try_dir(struct add_ctx *c, const char *dir, const char *name, const char *chain)
{
    int found = 0, ret = 0;
    for (size_t i = 0; i < ARRAY_LEN(hwcap_subdirs); i++) {
        char *cand = xasprintf("%s/%s%s", strcmp(dir, "/") ? dir : "", hwcap_subdirs[i], name);
        if (elf_is_loadable(cand)) {
            found = 1;
            if (add_path(c, cand, true, 0) < 0 || add_elf_deps(c, cand, SCAN_LIBRARY, chain) < 0)
                ret = -1;
        }
        free(cand);
    }
    return ret < 0 ? -1 : found;
}

static void copy_ld_cache(struct add_ctx *c, const char *dir, const char *name)
{
    if (c->cache_copied)
        return;
    c->cache_copied = true;
    cli_info("%s was found in %s, a directory of %s that ld.so searches only through %s: "
             "copying %s too",
             name, dir, LD_SO_CONF, LD_SO_CACHE, LD_SO_CACHE);
    add_path(c, LD_SO_CACHE, true, 0);
}

/* Finds and copies one DT_NEEDED name of obj. Returns 0, or -1 (missing; message printed). */
static int resolve_needed(struct add_ctx *c, const char *obj, const char *name, const char *origin,
                          const struct elf_info *info, const char *rpath_search,
                          const char *child_chain)
{
    if (strchr(name, '/')) {
        char *p = expand_dst(name, origin);
        int ret = 0;
        if (p[0] != '/' || access(p, F_OK) != 0) {
            cli_error("%s: needs %s, which does not exist", obj, p);
            c->errors++;
            ret = -1;
        } else if (add_path(c, p, true, 0) < 0 ||
                   add_elf_deps(c, p, SCAN_LIBRARY, child_chain) < 0) {
            ret = -1;
        }
        free(p);
        return ret;
    }
    struct strset *dirs = strset_new();
    if (!info->runpath && rpath_search[0])
        add_search_dirs(dirs, rpath_search, "/");
    if (info->runpath)
        add_search_dirs(dirs, info->runpath, origin);
    size_t n_own = strset_count(dirs);
    if (!info->nodeflib) {
        for (size_t i = 0; i < strset_count(c->conf_dirs); i++)
            strset_add(dirs, strset_at(c->conf_dirs, i));
        for (size_t i = 0; i < ARRAY_LEN(system_dirs); i++)
            strset_add(dirs, system_dirs[i]);
    }
    int ret = -1;
    bool found = false;
    for (size_t i = 0; i < strset_count(dirs) && !found; i++) {
        const char *dir = strset_at(dirs, i);
        int r = try_dir(c, dir, name, child_chain);
        if (r == 0)
            continue;
        found = true;
        ret = r > 0 ? 0 : -1; /* r < 0: a copy failed, and said so */
        if (r > 0 && i >= n_own && !is_system_dir(dir))
            copy_ld_cache(c, dir, name);
    }
    if (!found) {
        char *list = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&list, &len);
        for (size_t i = 0; f && i < strset_count(dirs); i++)
            fprintf(f, "%s%s", i ? ":" : "", strset_at(dirs, i));
        if (!f || fclose(f) != 0) {
            cli_error("out of memory");
            exit(1);
        }
        cli_error("%s: needs %s, which is not found (searched %s%s)", obj, name,
                  len ? list : "no directory", info->nodeflib ? "; DF_1_NODEFLIB is set" : "");
        free(list);
        c->errors++;
    }
    strset_free(dirs);
    return ret;
}

static char *dir_of(const char *path)
{
    char *copy = xstrdup(path);
    char *d = xstrdup(dirname(copy));
    free(copy);
    return d;
}

int add_elf_deps(struct add_ctx *c, const char *path, enum scan_kind kind, const char *rpath_chain)
{
    if (!c->conf_dirs) {
        c->conf_dirs = strset_new();
        conf_read(c, LD_SO_CONF, 0);
    }
    struct elf_info info;
    if (elf_info_read(path, &info) < 0) {
        c->errors++;
        return -1;
    }
    int ret = 0;
    char *origin = NULL, *real = NULL, *key = NULL, *chain = NULL;
    if (info.kind == ELF_BAD) {
        cli_warn("%s: malformed ELF file (%s); its dependencies are not copied", path,
                 info.bad_reason);
        goto out;
    }
    if (info.kind != ELF_OK)
        goto out;
    if (!(real = realpath(path, NULL))) {
        cli_error("%s: %s", path, strerror(errno));
        c->errors++;
        ret = -1;
        goto out;
    }
    /* ld.so takes an executable's $ORIGIN from /proc/self/exe, a library's from its name. */
    bool exe = info.type == ET_EXEC || (info.interp && kind == SCAN_NAMED);
    origin = dir_of(exe ? real : path);
    key = xasprintf("%s\n%s\n%s", real, origin, rpath_chain ? rpath_chain : "");
    if (!strset_add(c->scanned, key))
        goto out;

    if (info.interp) {
        if (info.interp[0] != '/' || access(info.interp, F_OK) != 0) {
            cli_error("%s: its interpreter %s does not exist", path, info.interp);
            c->errors++;
            ret = -1;
        } else if (add_path(c, info.interp, true, 0) < 0) {
            ret = -1;
        }
    }
    /* DT_RPATH applies (to this object's needs and, inherited, to those of what it loads)
     * only when the object has no DT_RUNPATH; a DT_RUNPATH also cuts off the loaders'. */
    char *own = NULL;
    if (info.rpath && !info.runpath) {
        struct strset *d = strset_new();
        add_search_dirs(d, info.rpath, origin);
        FILE *f = open_memstream(&own, &(size_t){0});
        for (size_t i = 0; f && i < strset_count(d); i++)
            fprintf(f, "%s%s", i ? ":" : "", strset_at(d, i));
        if (!f || fclose(f) != 0) {
            cli_error("out of memory");
            exit(1);
        }
        strset_free(d);
    }
    const char *inherited = rpath_chain ? rpath_chain : "";
    chain =
        xasprintf("%s%s%s", own ? own : "", own && own[0] && inherited[0] ? ":" : "", inherited);
    free(own);
    for (size_t i = 0; i < info.n_needed; i++) {
        if (resolve_needed(c, path, info.needed[i], origin, &info, chain, chain) < 0)
            ret = -1;
    }
out:
    free(origin);
    free(real);
    free(key);
    free(chain);
    elf_info_free(&info);
    return ret;
}

void add_deps_free(struct add_ctx *c)
{
    strset_free(c->conf_dirs);
    c->conf_dirs = NULL;
}
