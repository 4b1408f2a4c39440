/* Host-side reader of build/enclave.conf (format: include/occlum/enclave_config.h). The host
 * only needs the sizes, to lay the enclave out, and the env.untrusted names, to know what to
 * pass in; the LibOS parses its own measured copy for everything else. */
#include "enclave.h"
#include "occlum/enclave_config.h"
#include "occlum/log_level.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_size(const char *key, const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') {
        fprintf(stderr, "occlum: error: enclave.conf: %s: expected a decimal number, got '%s'\n",
                key, v);
        return -1;
    }
    *out = n;
    return 0;
}

/* hostfs sources of the loaded config (`mount hostfs TARGET SOURCE OPTIONS`). */
static char **hostfs_sources;
static size_t n_hostfs_sources;

int host_hostfs_source_allowed(const char *source)
{
    for (size_t i = 0; i < n_hostfs_sources; i++)
        if (!strcmp(hostfs_sources[i], source))
            return 1;
    return 0;
}

static int remember_hostfs_source(const char *mount_line)
{
    char type[32], target[4096], source[4096];
    if (sscanf(mount_line, "%31s %4095s %4095s", type, target, source) != 3 ||
        strcmp(type, "hostfs"))
        return 0;
    char **v = realloc(hostfs_sources, (n_hostfs_sources + 1) * sizeof(*v));
    if (!v)
        return -1;
    hostfs_sources = v;
    v[n_hostfs_sources] = strdup(source);
    return v[n_hostfs_sources++] ? 0 : -1;
}

int host_config_load(const char *path, struct host_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "occlum: error: cannot open %s: %s (run `occlum build`)\n", path,
                strerror(errno));
        return -1;
    }
    char *text = malloc(ENCLAVE_CONFIG_MAX + 1);
    size_t n = text ? fread(text, 1, ENCLAVE_CONFIG_MAX + 1, f) : 0;
    fclose(f);
    if (!text || n > ENCLAVE_CONFIG_MAX) {
        fprintf(stderr, "occlum: error: %s is larger than %d bytes\n", path, ENCLAVE_CONFIG_MAX);
        free(text);
        return -1;
    }
    text[n] = '\0';
    cfg->text = text;
    cfg->text_size = n + 1;

    char *copy = strdup(text);
    char *save = NULL;
    int rc = 0;
    for (char *line = strtok_r(copy, "\n", &save); line && !rc;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp) {
            fprintf(stderr, "occlum: error: enclave.conf: malformed line '%s'\n", line);
            rc = -1;
            break;
        }
        *sp = '\0';
        const char *key = line, *val = sp + 1;
        if (!strcmp(key, "user_space_size"))
            rc = parse_size(key, val, &cfg->user_space_size);
        else if (!strcmp(key, "kernel_space_heap_size"))
            rc = parse_size(key, val, &cfg->kernel_heap_size);
        else if (!strcmp(key, "kernel_space_stack_size"))
            rc = parse_size(key, val, &cfg->kernel_stack_size);
        else if (!strcmp(key, "max_num_of_threads"))
            rc = parse_size(key, val, &cfg->max_threads);
        else if (!strcmp(key, "env_untrusted")) {
            char **names = realloc(cfg->env_untrusted,
                                   (cfg->n_env_untrusted + 1) * sizeof(*names));
            if (!names) {
                rc = -1;
                break;
            }
            cfg->env_untrusted = names;
            names[cfg->n_env_untrusted++] = strdup(val);
        } else if (!strcmp(key, "mount")) {
            rc = remember_hostfs_source(val);
        } else if (strcmp(key, "entry_point") && strcmp(key, "env_default")) {
            fprintf(stderr, "occlum: error: enclave.conf: unknown key '%s'\n", key);
            rc = -1;
        }
    }
    free(copy);
    if (rc)
        return rc;
    if (!cfg->user_space_size || !cfg->kernel_heap_size || !cfg->kernel_stack_size ||
        !cfg->max_threads) {
        fprintf(stderr, "occlum: error: %s lacks a size or thread count (rebuild)\n", path);
        return -1;
    }
    return 0;
}
