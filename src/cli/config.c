/*
 * Occlum.json validation and resolution (see config.h).
 *
 * The schema is Occlum's (etc/template/Occlum.json and tools/gen_internal_conf of Occlum
 * 0.30), written down once as tables of struct key below. One walk over the user's JSON
 * checks every key against its table: an unknown key or a bad value is an error; a key we do
 * not honour yet is a warning when its value differs from the default that `occlum new`
 * writes (a default value is what we behave like anyway, so it is not worth a warning).
 *
 * What is honoured (goes into enclave.conf):
 *   resource_limits.user_space_size, kernel_space_heap_size, kernel_space_stack_size,
 *   max_num_of_threads; entry_points; env.default; env.untrusted; mount (checked and
 *   resolved into mount lines by config_mount.c).
 *   resource_limits.user_space_max_size / kernel_space_heap_max_size, when given, replace
 *   user_space_size / kernel_space_heap_size, as Occlum does on a platform without EDMM
 *   (sim has none); each must be at least the size it replaces.
 * Accepted with an info note only (Occlum without EDMM ignores them too):
 *   resource_limits.init_num_of_threads, process.default_mmap_size (obsolete in Occlum).
 * Warned about when not default: process.default_stack_size / default_heap_size, every
 *   metadata and feature key.
 * Our default differs from Occlum's in two places: entry_points adds /usr/bin (where Debian's
 *   programs are), and mount lists /tmp (ramfs) and /sys (sysfs) and no /host hostfs (a
 *   host directory is visible only when Occlum.json mounts one).
 * A key missing from Occlum.json takes the default of config_default_json().
 */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_mount.h"
#include "log.h"
#include "occlum/enclave_config.h"

/* Kept one JSON line per C line, as `occlum new` writes it. */
/* clang-format off */
static const char default_json[] =
    "{\n"
    "    \"resource_limits\": {\n"
    "        \"user_space_size\": \"300MB\",\n"
    "        \"kernel_space_heap_size\": \"32MB\",\n"
    "        \"kernel_space_stack_size\": \"1MB\",\n"
    "        \"max_num_of_threads\": 32\n"
    "    },\n"
    "    \"process\": {\n"
    "        \"default_stack_size\": \"4MB\",\n"
    "        \"default_heap_size\": \"32MB\",\n"
    "        \"default_mmap_size\": \"100MB\"\n"
    "    },\n"
    "    \"entry_points\": [\n"
    "        \"/bin\",\n"
    "        \"/usr/bin\"\n"
    "    ],\n"
    "    \"env\": {\n"
    "        \"default\": [\n"
    "            \"OCCLUM=yes\"\n"
    "        ],\n"
    "        \"untrusted\": [\n"
    "            \"EXAMPLE\"\n"
    "        ]\n"
    "    },\n"
    "    \"metadata\": {\n"
    "        \"product_id\": 0,\n"
    "        \"version_number\": 0,\n"
    "        \"debuggable\": true,\n"
    "        \"enable_kss\": false,\n"
    "        \"family_id\": {\n"
    "            \"high\": \"0x0\",\n"
    "            \"low\": \"0x0\"\n"
    "        },\n"
    "        \"ext_prod_id\": {\n"
    "            \"high\": \"0x0\",\n"
    "            \"low\": \"0x0\"\n"
    "        }\n"
    "    },\n"
    "    \"feature\": {\n"
    "        \"amx\": 0,\n"
    "        \"pkru\": 0,\n"
    "        \"io_uring\": 0,\n"
    "        \"enable_edmm\": false,\n"
    "        \"enable_posix_shm\": false\n"
    "    },\n"
    "    \"mount\": [\n"
    "        {\n"
    "            \"target\": \"/\",\n"
    "            \"type\": \"unionfs\",\n"
    "            \"options\": {\n"
    "                \"layers\": [\n"
    "                    {\n"
    "                        \"target\": \"/\",\n"
    "                        \"type\": \"sefs\",\n"
    "                        \"source\": \"./build/mount/__ROOT\",\n"
    "                        \"options\": {\n"
    "                            \"MAC\": \"\"\n"
    "                        }\n"
    "                    },\n"
    "                    {\n"
    "                        \"target\": \"/\",\n"
    "                        \"type\": \"sefs\",\n"
    "                        \"source\": \"./run/mount/__ROOT\"\n"
    "                    }\n"
    "                ]\n"
    "            }\n"
    "        },\n"
    "        {\n"
    "            \"target\": \"/tmp\",\n"
    "            \"type\": \"ramfs\"\n"
    "        },\n"
    "        {\n"
    "            \"target\": \"/proc\",\n"
    "            \"type\": \"procfs\"\n"
    "        },\n"
    "        {\n"
    "            \"target\": \"/dev\",\n"
    "            \"type\": \"devfs\"\n"
    "        },\n"
    "        {\n"
    "            \"target\": \"/sys\",\n"
    "            \"type\": \"sysfs\"\n"
    "        }\n"
    "    ]\n"
    "}\n";
/* clang-format on */

const char *config_default_json(void)
{
    return default_json;
}

#define SIZE_MAX_ALLOWED (1ULL << 40) /* 1TB: far above any enclave, far below overflow */
#define PAGE             4096ULL
#define THREADS_MAX      4096 /* Occlum's own TCS ceiling (gen_internal_conf tcs_max_num) */

int config_parse_size(const char *s, uint64_t *bytes)
{
    static const struct {
        const char *unit;
        uint64_t factor;
    } units[] = {
        {"KB", 1ULL << 10}, {"MB", 1ULL << 20}, {"GB", 1ULL << 30}, {"TB", 1ULL << 40}, {"B", 1},
    };
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t ulen = strlen(units[u].unit);
        if (len < ulen || strncmp(s + len - ulen, units[u].unit, ulen) != 0)
            continue;
        size_t nlen = len - ulen;
        while (nlen > 0 && isspace((unsigned char)s[nlen - 1]))
            nlen--;
        if (nlen == 0)
            return -1;
        uint64_t v = 0;
        for (size_t i = 0; i < nlen; i++) {
            if (!isdigit((unsigned char)s[i]))
                return -1;
            if (v > (UINT64_MAX - 9) / 10)
                return -1;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (v > UINT64_MAX / units[u].factor)
            return -1;
        *bytes = v * units[u].factor;
        return 0;
    }
    return -1;
}

/* ---- value checks: each returns whether v has the form the key's `expect` describes ---- */

static bool is_size(json_t *v)
{
    uint64_t b;
    return json_is_string(v) && config_parse_size(json_string_value(v), &b) == 0;
}

/* A size the enclave layout uses: whole pages, at least one, at most 1TB. */
static bool is_region_size(json_t *v)
{
    uint64_t b;
    return json_is_string(v) && config_parse_size(json_string_value(v), &b) == 0 && b > 0 &&
           b % PAGE == 0 && b <= SIZE_MAX_ALLOWED;
}

static bool is_u32(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0 &&
           json_integer_value(v) <= (json_int_t)UINT32_MAX;
}

static bool is_threads(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= THREADS_MAX;
}

static bool is_pkru(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 2;
}

static bool is_bool(json_t *v)
{
    return json_is_boolean(v);
}

static bool is_string(json_t *v)
{
    return json_is_string(v);
}

static bool is_hex64(json_t *v)
{
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    if (strncmp(s, "0x", 2) == 0)
        s += 2;
    size_t n = strlen(s);
    if (n < 1 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* Strings that end up on one line of enclave.conf must not hold a newline. */
static bool one_line(const char *s)
{
    return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

static bool is_abs_path(json_t *v)
{
    const char *s = json_string_value(v);
    return s && s[0] == '/' && one_line(s) && strlen(s) < 4096;
}

static bool env_name_ok(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' || s[i] == '\n' || s[i] == '\r')
            return false;
    }
    return true;
}

static bool is_env_assign(json_t *v)
{
    const char *s = json_string_value(v);
    const char *eq = s ? strchr(s, '=') : NULL;
    return eq && env_name_ok(s, (size_t)(eq - s)) && one_line(s);
}

static bool is_env_name(json_t *v)
{
    const char *s = json_string_value(v);
    return s && env_name_ok(s, strlen(s));
}

/* sefs only as a unionfs layer (config_mount.c); Occlum's async_sfs and ext2 are not here. */
static bool is_fs_type(json_t *v)
{
    static const char *const types[] = {"unionfs", "sefs",   "hostfs", "ramfs",
                                        "devfs",   "procfs", "sysfs"};
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(s, types[i]) == 0)
            return true;
    }
    return false;
}

/* ---- the schema ---- */

enum use {
    HONOURED,   /* resolved into enclave.conf */
    NOTE,       /* accepted; an info line says it has no effect here (as in Occlum w/o EDMM) */
    UNHONOURED, /* warning when the value differs from the default */
    MOUNTS,     /* the mount list and keys inside it: type-checked here, then checked and
                 * resolved by config_mount.c */
};

struct key {
    const char *name;
    const struct key *sub;    /* object (or, with array, each element): its keys, name NULL ends */
    bool (*valid)(json_t *v); /* leaf (or, with array, each element) */
    bool array;
    bool required; /* only inside mount entries; elsewhere a missing key takes the default */
    enum use use;
    const char *expect; /* leaf: the form expected, for messages */
    const char *note;   /* NOTE/UNHONOURED: what happens instead */
};

#define SIZE_EXPECT   "a size string like \"32MB\" (a whole number, then B, KB, MB, GB or TB)"
#define REGION_EXPECT SIZE_EXPECT ", a non-zero multiple of 4KB, at most 1TB"
#define NO_SIGNING    "enclave signing and attestation are not implemented yet"

static const struct key mount_keys[5];

static const struct key mount_option_keys[] = {
    {"MAC", NULL, is_string, false, false, MOUNTS, "a string", NULL},
    {"layers", mount_keys, NULL, true, false, MOUNTS, NULL, NULL},
    {"temporary", NULL, is_bool, false, false, MOUNTS, "true or false", NULL},
    {"cache_size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {"disk_size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {"sefs_cache_size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {"page_cache_size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {"async_sfs_total_size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {"autokey_policy", NULL, is_u32, false, false, MOUNTS, "an integer", NULL},
    {"size", NULL, is_size, false, false, MOUNTS, SIZE_EXPECT, NULL},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key mount_keys[5] = {
    {"target", NULL, is_abs_path, false, true, MOUNTS, "an absolute path", NULL},
    {"type", NULL, is_fs_type, false, true, MOUNTS,
     "one of unionfs, hostfs, ramfs, devfs, procfs, sysfs (sefs only as a layer of the unionfs "
     "on /; Occlum's async_sfs and ext2 are not supported)",
     NULL},
    {"source", NULL, is_string, false, false, MOUNTS, "a path string", NULL},
    {"options", mount_option_keys, NULL, false, false, MOUNTS, NULL, NULL},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key id_keys[] = {
    {"high", NULL, is_hex64, false, false, UNHONOURED, "a 64-bit hex string like \"0x0\"",
     NO_SIGNING},
    {"low", NULL, is_hex64, false, false, UNHONOURED, "a 64-bit hex string like \"0x0\"",
     NO_SIGNING},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key resource_keys[] = {
    {"user_space_size", NULL, is_region_size, false, false, HONOURED, REGION_EXPECT, NULL},
    {"user_space_max_size", NULL, is_region_size, false, false, HONOURED, REGION_EXPECT, NULL},
    {"kernel_space_heap_size", NULL, is_region_size, false, false, HONOURED, REGION_EXPECT, NULL},
    {"kernel_space_heap_max_size", NULL, is_region_size, false, false, HONOURED, REGION_EXPECT,
     NULL},
    {"kernel_space_stack_size", NULL, is_region_size, false, false, HONOURED, REGION_EXPECT, NULL},
    {"max_num_of_threads", NULL, is_threads, false, false, HONOURED, "an integer from 1 to 4096",
     NULL},
    {"init_num_of_threads", NULL, is_threads, false, false, NOTE, "an integer from 1 to 4096",
     "it only matters with EDMM, which sim does not have (Occlum without EDMM ignores it too)"},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key process_keys[] = {
    {"default_stack_size", NULL, is_size, false, false, UNHONOURED, SIZE_EXPECT,
     "the LibOS chooses the main thread's stack size itself"},
    {"default_heap_size", NULL, is_size, false, false, UNHONOURED, SIZE_EXPECT,
     "the LibOS chooses the brk heap limit itself"},
    {"default_mmap_size", NULL, is_size, false, false, NOTE, SIZE_EXPECT,
     "it is obsolete (Occlum keeps it only for compatibility)"},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key env_keys[] = {
    {"default", NULL, is_env_assign, true, false, HONOURED,
     "a \"NAME=value\" string (NAME not empty, no newline)", NULL},
    {"untrusted", NULL, is_env_name, true, false, HONOURED,
     "a variable name (not empty, no '=' or newline)", NULL},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key metadata_keys[] = {
    {"product_id", NULL, is_u32, false, false, UNHONOURED, "a non-negative integer", NO_SIGNING},
    {"version_number", NULL, is_u32, false, false, UNHONOURED, "a non-negative integer",
     NO_SIGNING},
    {"debuggable", NULL, is_bool, false, false, UNHONOURED, "true or false",
     "a sim enclave is always debuggable"},
    {"disable_log", NULL, is_bool, false, false, UNHONOURED, "true or false",
     "logging follows OCCLUM_LOG_LEVEL"},
    {"enable_kss", NULL, is_bool, false, false, UNHONOURED, "true or false", NO_SIGNING},
    {"family_id", id_keys, NULL, false, false, UNHONOURED, NULL, NULL},
    {"ext_prod_id", id_keys, NULL, false, false, UNHONOURED, NULL, NULL},
    /* Older Occlum releases kept these two here rather than under "feature". */
    {"pkru", NULL, is_pkru, false, false, UNHONOURED, "0, 1 or 2", "protection keys are not used"},
    {"amx", NULL, is_u32, false, false, UNHONOURED, "a non-negative integer",
     "AMX state is not managed yet"},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key feature_keys[] = {
    {"amx", NULL, is_u32, false, false, UNHONOURED, "a non-negative integer",
     "AMX state is not managed yet"},
    {"pkru", NULL, is_pkru, false, false, UNHONOURED, "0, 1 or 2", "protection keys are not used"},
    {"io_uring", NULL, is_u32, false, false, UNHONOURED, "a non-negative integer",
     "io_uring is not implemented"},
    {"enable_edmm", NULL, is_bool, false, false, UNHONOURED, "true or false", "sim has no EDMM"},
    {"enable_posix_shm", NULL, is_bool, false, false, UNHONOURED, "true or false",
     "POSIX shared memory is not implemented yet"},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

static const struct key top_keys[] = {
    {"resource_limits", resource_keys, NULL, false, false, HONOURED, NULL, NULL},
    {"process", process_keys, NULL, false, false, UNHONOURED, NULL, NULL},
    {"entry_points", NULL, is_abs_path, true, false, HONOURED,
     "an absolute path prefix like \"/bin\"", NULL},
    {"env", env_keys, NULL, false, false, HONOURED, NULL, NULL},
    {"metadata", metadata_keys, NULL, false, false, UNHONOURED, NULL, NULL},
    {"feature", feature_keys, NULL, false, false, UNHONOURED, NULL, NULL},
    {"mount", mount_keys, NULL, true, false, MOUNTS, NULL, NULL},
    {NULL, NULL, NULL, false, false, HONOURED, NULL, NULL},
};

/* ---- the walk ---- */

struct ctx {
    const char *file; /* for messages */
    int errors;
};

static const char *type_of(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* snprintf that may truncate on purpose: key paths in messages are cut, never overflowed. */
static void __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, len, f, ap);
    va_end(ap);
}

/* "got ..." text: the value itself when short, its type otherwise. */
static void describe(json_t *v, char *buf, size_t len)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (s && strlen(s) <= 60 && !json_is_object(v) && !json_is_array(v))
        snprintf(buf, len, "%s", s);
    else
        snprintf(buf, len, "%s", type_of(v));
    free(s);
}

static void list_keys(const struct key *keys, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (const struct key *k = keys; k->name && off < len; k++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", k->name);
}

static void bad_value(struct ctx *c, const char *path, const char *expect, json_t *v)
{
    char got[96];
    describe(v, got, sizeof(got));
    cli_error("%s: %s: expected %s, got %s", c->file, path, expect, got);
    c->errors++;
}

static void walk(struct ctx *c, json_t *v, json_t *dflt, const struct key *k, const char *path);

static void walk_object(struct ctx *c, json_t *obj, json_t *dflt, const struct key *keys,
                        const char *path, const char *what)
{
    char expect[512], child[512];
    if (!json_is_object(obj)) {
        list_keys(keys, child, sizeof(child));
        fmt(expect, sizeof(expect), "an object with keys %s", child);
        bad_value(c, path[0] ? path : what, expect, obj);
        return;
    }
    const char *name;
    json_t *val;
    json_object_foreach(obj, name, val)
    {
        fmt(child, sizeof(child), "%s%s%s", path, path[0] ? "." : "", name);
        const struct key *k = keys;
        while (k->name && strcmp(k->name, name) != 0)
            k++;
        if (!k->name) {
            list_keys(keys, expect, sizeof(expect));
            cli_error("%s: %s: unknown key (not in Occlum's schema); the keys of %s are: %s",
                      c->file, child, path[0] ? path : what, expect);
            c->errors++;
            continue;
        }
        walk(c, val, dflt ? json_object_get(dflt, name) : NULL, k, child);
    }
    for (const struct key *k = keys; k->name; k++) {
        if (k->required && !json_object_get(obj, k->name)) {
            cli_error("%s: %s%s%s: missing (expected %s)", c->file, path, path[0] ? "." : "",
                      k->name, k->expect);
            c->errors++;
        }
    }
}

static void walk(struct ctx *c, json_t *v, json_t *dflt, const struct key *k, const char *path)
{
    char elem[512];
    if (k->array) {
        if (!json_is_array(v)) {
            bad_value(c, path, k->sub ? "an array of objects" : "an array", v);
            return;
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            fmt(elem, sizeof(elem), "%s[%zu]", path, i);
            if (k->sub)
                walk_object(c, e, NULL, k->sub, elem, elem);
            else if (!k->valid(e))
                bad_value(c, elem, k->expect, e);
        }
    } else if (k->sub) {
        walk_object(c, v, dflt, k->sub, path, path);
        return;
    } else if (!k->valid(v)) {
        bad_value(c, path, k->expect, v);
        return;
    }
    if (k->use == UNHONOURED && !k->sub && (!dflt || !json_equal(v, dflt)))
        cli_warn("%s: %s: not honoured yet (%s); ignored", c->file, path,
                 k->note ? k->note : "not implemented");
    else if (k->use == NOTE)
        cli_info("%s: %s: accepted but has no effect: %s", c->file, path, k->note);
}

/* ---- resolution ---- */

/* The value at obj.a.b, from the user's JSON if there, else from the default. */
static json_t *lookup(json_t *user, json_t *dflt, const char *a, const char *b)
{
    json_t *u = json_object_get(user, a);
    if (u && b)
        u = json_object_get(u, b);
    if (u)
        return u;
    json_t *d = json_object_get(dflt, a);
    return b ? json_object_get(d, b) : d;
}

static uint64_t size_of(json_t *v)
{
    uint64_t b = 0;
    config_parse_size(json_string_value(v), &b);
    return b;
}

static int copy_strings(json_t *arr, char ***out, size_t *n)
{
    *n = json_array_size(arr);
    *out = calloc(*n + 1, sizeof(char *));
    if (!*out)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        if (!((*out)[i] = strdup(json_string_value(json_array_get(arr, i)))))
            return -1;
    }
    return 0;
}

/* Occlum without EDMM: a *_max_size, when given, is the size used; it may not be smaller. */
static uint64_t resolve_max(struct ctx *c, json_t *user, json_t *dflt, const char *key,
                            const char *max_key)
{
    uint64_t size = size_of(lookup(user, dflt, "resource_limits", key));
    json_t *max = json_object_get(json_object_get(user, "resource_limits"), max_key);
    if (!max)
        return size;
    uint64_t m = size_of(max);
    if (m < size) {
        cli_error("%s: resource_limits.%s: expected at least resource_limits.%s (%llu bytes), "
                  "got %llu bytes",
                  c->file, max_key, key, (unsigned long long)size, (unsigned long long)m);
        c->errors++;
        return size;
    }
    cli_info("%s: resource_limits.%s (%llu bytes) is used as %s, as Occlum does without EDMM",
             c->file, max_key, (unsigned long long)m, key);
    return m;
}

int config_load(const char *path, struct enclave_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    struct ctx c = {.file = path, .errors = 0};
    json_error_t err;
    json_t *dflt = json_loads(default_json, JSON_REJECT_DUPLICATES, &err);
    if (!dflt) {
        cli_error("internal error: default Occlum.json: %s", err.text);
        return -1;
    }
    json_t *user = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!user) {
        if (err.line > 0)
            cli_error("%s:%d:%d: invalid JSON: %s", path, err.line, err.column, err.text);
        else
            cli_error("%s: %s", path, err.text);
        json_decref(dflt);
        return -1;
    }
    walk_object(&c, user, dflt, top_keys, "", "the top level");
    if (c.errors == 0)
        c.errors += config_mounts_resolve(path, lookup(user, dflt, "mount", NULL), &cfg->mounts,
                                          &cfg->n_mounts);
    if (c.errors)
        goto out;

    for (const struct key *k = top_keys; k->name; k++) {
        if (!json_object_get(user, k->name))
            cli_info("%s: %s: not set; using Occlum's default", path, k->name);
    }
    cfg->user_space_size = resolve_max(&c, user, dflt, "user_space_size", "user_space_max_size");
    cfg->kernel_space_heap_size =
        resolve_max(&c, user, dflt, "kernel_space_heap_size", "kernel_space_heap_max_size");
    cfg->kernel_space_stack_size =
        size_of(lookup(user, dflt, "resource_limits", "kernel_space_stack_size"));
    cfg->max_num_of_threads =
        (uint32_t)json_integer_value(lookup(user, dflt, "resource_limits", "max_num_of_threads"));
    json_t *eps = lookup(user, dflt, "entry_points", NULL);
    if (json_array_size(eps) == 0)
        cli_warn("%s: entry_points: empty, so no program may be run", path);
    if (copy_strings(eps, &cfg->entry_points, &cfg->n_entry_points) < 0 ||
        copy_strings(lookup(user, dflt, "env", "default"), &cfg->env_default, &cfg->n_env_default) <
            0 ||
        copy_strings(lookup(user, dflt, "env", "untrusted"), &cfg->env_untrusted,
                     &cfg->n_env_untrusted) < 0) {
        cli_error("out of memory");
        c.errors++;
    }
out:
    json_decref(user);
    json_decref(dflt);
    if (c.errors) {
        config_free(cfg);
        return -1;
    }
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void config_free(struct enclave_config *cfg)
{
    free_strings(cfg->entry_points, cfg->n_entry_points);
    free_strings(cfg->env_default, cfg->n_env_default);
    free_strings(cfg->env_untrusted, cfg->n_env_untrusted);
    free_strings(cfg->mounts, cfg->n_mounts);
    memset(cfg, 0, sizeof(*cfg));
}

long config_format(const struct enclave_config *cfg, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        cli_error("out of memory");
        return -1;
    }
    fprintf(f, "user_space_size %llu\n", (unsigned long long)cfg->user_space_size);
    fprintf(f, "kernel_space_heap_size %llu\n", (unsigned long long)cfg->kernel_space_heap_size);
    fprintf(f, "kernel_space_stack_size %llu\n", (unsigned long long)cfg->kernel_space_stack_size);
    fprintf(f, "max_num_of_threads %u\n", cfg->max_num_of_threads);
    for (size_t i = 0; i < cfg->n_entry_points; i++)
        fprintf(f, "entry_point %s\n", cfg->entry_points[i]);
    for (size_t i = 0; i < cfg->n_env_default; i++)
        fprintf(f, "env_default %s\n", cfg->env_default[i]);
    for (size_t i = 0; i < cfg->n_env_untrusted; i++)
        fprintf(f, "env_untrusted %s\n", cfg->env_untrusted[i]);
    for (size_t i = 0; i < cfg->n_mounts; i++)
        fprintf(f, "mount %s\n", cfg->mounts[i]);
    if (fclose(f) != 0) {
        free(buf);
        cli_error("out of memory");
        return -1;
    }
    if (len > ENCLAVE_CONFIG_MAX) {
        cli_error("the resolved configuration is %zu bytes; the enclave accepts at most %d "
                  "(fewer entry_points or env entries)",
                  len, ENCLAVE_CONFIG_MAX);
        free(buf);
        return -1;
    }
    *out = buf;
    return (long)len;
}
