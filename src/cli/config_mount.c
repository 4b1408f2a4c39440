/*
 * Mount entries of Occlum.json -> enclave.conf mount lines (see config_mount.h).
 *
 * Rules, each an error naming the entry's key when broken:
 *   - mount[0] is the unionfs on "/" (Occlum's layout) and no other entry is a unionfs or
 *     targets "/". Its options.layers are two sefs layers with target "/": the first is the
 *     image (here build/image.fs, whose root hash is measured; the layer's source and MAC are
 *     Occlum's build artefacts and are not used), the second the writable layer, which lives
 *     in enclave memory for now (the encrypted persistent layer is a later issue), so the
 *     line is `mount unionfs / - upper=ramfs`. Their sefs options are accepted and unused.
 *   - other types: hostfs (needs a source: a host directory; relative to the instance
 *     directory), ramfs (options.size, a size string, becomes size=BYTES), devfs, procfs,
 *     sysfs (no source, no options). sefs is accepted only as a layer.
 *   - a target is absolute and normalised (no "//", ".", "..", trailing '/'), appears once,
 *     and, like a hostfs source, holds no blank (the line is space-separated).
 *   - an option key that the type does not take is an error.
 * Nothing is mounted unless listed: in particular no hostfs.
 */
#define _GNU_SOURCE
#include "config_mount.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

struct fs_rule {
    const char *type;
    bool source;                /* takes (and needs) a source */
    const char *const *options; /* option keys taken, NULL-terminated */
};

static const char *const no_options[] = {NULL};
static const char *const ramfs_options[] = {"size", NULL};
static const char *const unionfs_options[] = {"layers", NULL};
static const char *const sefs_options[] = {
    "MAC", "temporary", "cache_size", "sefs_cache_size", "autokey_policy", NULL};

static const struct fs_rule rules[] = {
    {"unionfs", false, unionfs_options}, {"hostfs", true, no_options},
    {"ramfs", false, ramfs_options},     {"devfs", false, no_options},
    {"procfs", false, no_options},       {"sysfs", false, no_options},
    {"sefs", true, sefs_options},
};

struct mctx {
    const char *file;
    int errors;
};

static void __attribute__((format(printf, 3, 4)))
err(struct mctx *c, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_error("%s: %s: %s", c->file, key, msg);
    c->errors++;
}

static const struct fs_rule *rule_of(const char *type)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (strcmp(rules[i].type, type) == 0)
            return &rules[i];
    }
    return NULL;
}

static bool has_blank(const char *s)
{
    return strpbrk(s, " \t\n\r\v\f") != NULL;
}

static bool normalised(const char *p)
{
    if (strcmp(p, "/") == 0)
        return true;
    if (p[0] != '/' || p[strlen(p) - 1] == '/' || strstr(p, "//"))
        return false;
    for (const char *s = p; (s = strchr(s, '/')) != NULL; s++) {
        if ((s[1] == '.' && (s[2] == '/' || s[2] == '\0')) ||
            (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0')))
            return false;
    }
    return true;
}

static void check_options(struct mctx *c, const char *path, const struct fs_rule *r,
                          json_t *options)
{
    const char *key;
    json_t *val;
    json_object_foreach(options, key, val)
    {
        bool ok = false;
        for (const char *const *o = r->options; *o && !ok; o++)
            ok = strcmp(*o, key) == 0;
        if (ok)
            continue;
        char list[256] = "";
        size_t off = 0;
        for (const char *const *o = r->options; *o && off < sizeof(list); o++)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", *o);
        char k[300];
        snprintf(k, sizeof(k), "%s.options.%s", path, key);
        err(c, k, "not an option of %s%s (its options: %s)", r->type,
            strcmp(r->type, "sefs") == 0 ? " layers" : "", off ? list : "none");
    }
}

/* The two sefs layers of the unionfs on "/". */
static void check_layers(struct mctx *c, const char *path, json_t *layers)
{
    char key[300];
    snprintf(key, sizeof(key), "%s.options.layers", path);
    if (json_array_size(layers) != 2) {
        err(c, key, "expected two layers (the image, then the writable layer), got %zu",
            json_array_size(layers));
        return;
    }
    for (size_t i = 0; i < 2; i++) {
        json_t *l = json_array_get(layers, i);
        snprintf(key, sizeof(key), "%s.options.layers[%zu]", path, i);
        const char *type = json_string_value(json_object_get(l, "type"));
        const char *target = json_string_value(json_object_get(l, "target"));
        if (strcmp(type, "sefs") != 0) {
            err(c, key, "a layer of the unionfs on / must be sefs, got %s", type);
            continue;
        }
        if (strcmp(target, "/") != 0)
            err(c, key, "a layer of the unionfs on / must target /, got %s", target);
        json_t *options = json_object_get(l, "options");
        if (options)
            check_options(c, key, rule_of("sefs"), options);
    }
    cli_info("%s: %s: the image layer is build/image.fs, the writable layer is kept in enclave "
             "memory (not persistent yet); the layers' source and options are not used",
             c->file, path);
}

/* Checks entry i; on success returns its line value, malloc()ed. */
static char *resolve_one(struct mctx *c, size_t i, json_t *m, json_t *all)
{
    char path[64], key[128];
    snprintf(path, sizeof(path), "mount[%zu]", i);
    const char *type = json_string_value(json_object_get(m, "type"));
    const char *target = json_string_value(json_object_get(m, "target"));
    const char *source = json_string_value(json_object_get(m, "source"));
    json_t *options = json_object_get(m, "options");
    const struct fs_rule *r = rule_of(type);
    int before = c->errors;

    snprintf(key, sizeof(key), "%s.target", path);
    if (!normalised(target) || has_blank(target))
        err(c, key,
            "expected a normalised absolute path without blanks (no \"//\", \".\", "
            "\"..\" or trailing '/'), got \"%s\"",
            target);
    for (size_t j = 0; j < i; j++) {
        const char *t = json_string_value(json_object_get(json_array_get(all, j), "target"));
        if (strcmp(t, target) == 0)
            err(c, key, "%s is already the target of mount[%zu]", target, j);
    }
    snprintf(key, sizeof(key), "%s.type", path);
    if (strcmp(type, "sefs") == 0) {
        err(c, key,
            "sefs is accepted only as a layer of the unionfs on / (mount[0]); a "
            "separate encrypted mount is not implemented yet");
        return NULL;
    }
    bool is_union = strcmp(type, "unionfs") == 0;
    if (i == 0 && (!is_union || strcmp(target, "/") != 0))
        err(c, path,
            "the first mount entry must be the unionfs on / (Occlum's root layout), "
            "got %s on %s",
            type, target);
    else if (i > 0 && is_union)
        err(c, key, "a unionfs is accepted only as the first entry, on /");
    else if (i > 0 && strcmp(target, "/") == 0)
        err(c, key, "only the first entry (the unionfs) may target /");

    snprintf(key, sizeof(key), "%s.source", path);
    if (r->source && (!source || !source[0] || has_blank(source)))
        err(c, key, "%s needs a source: a host directory path without blanks", type);
    else if (!r->source && source)
        err(c, key, "%s takes no source", type);
    if (options)
        check_options(c, path, r, options);
    json_t *layers = options ? json_object_get(options, "layers") : NULL;
    if (is_union && !layers)
        err(c, path,
            "the unionfs on / needs options.layers (the image layer and the writable "
            "layer)");
    else if (is_union && i == 0)
        check_layers(c, path, layers);
    uint64_t size = 0;
    json_t *jsize = options ? json_object_get(options, "size") : NULL;
    if (jsize && r->options == ramfs_options &&
        (config_parse_size(json_string_value(jsize), &size) != 0 || size == 0)) {
        snprintf(key, sizeof(key), "%s.options.size", path);
        err(c, key, "expected a non-zero size string like \"64MB\"");
    }
    if (c->errors != before)
        return NULL;

    char *line = NULL;
    int len;
    if (is_union)
        len = asprintf(&line, "unionfs / - upper=ramfs");
    else if (size)
        len = asprintf(&line, "%s %s - size=%llu", type, target, (unsigned long long)size);
    else
        len = asprintf(&line, "%s %s %s -", type, target, source ? source : "-");
    if (len < 0) {
        cli_error("out of memory");
        exit(1);
    }
    return line;
}

int config_mounts_resolve(const char *file, json_t *mounts, char ***lines, size_t *n)
{
    struct mctx c = {.file = file, .errors = 0};
    size_t count = json_array_size(mounts);
    char **out = calloc(count + 1, sizeof(char *));
    if (!out) {
        cli_error("out of memory");
        exit(1);
    }
    if (count == 0) {
        cli_error("%s: mount: empty; the first entry must be the unionfs on / (the root file "
                  "system)",
                  file);
        c.errors++;
    }
    for (size_t i = 0; i < count; i++)
        out[i] = resolve_one(&c, i, json_array_get(mounts, i), mounts);
    if (c.errors) {
        for (size_t i = 0; i < count; i++)
            free(out[i]);
        free(out);
        return c.errors;
    }
    *lines = out;
    *n = count;
    return 0;
}
