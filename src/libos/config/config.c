/* Parser of the measured, resolved enclave configuration. Strings point into a heap copy of
 * the config text, which lives as long as the enclave. */
#include "config/config.h"
#include "mm/mm.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

struct libos_config libos_config;

static int add(const char **list, size_t *n, const char *key, const char *val)
{
    if (*n >= CONFIG_MAX_LIST) {
        log_error("config: more than %d %s entries", CONFIG_MAX_LIST, key);
        return -EINVAL;
    }
    list[(*n)++] = val;
    return 0;
}

/* "TYPE TARGET SOURCE OPTIONS", split in place. */
static int add_mount(struct libos_config *c, char *val)
{
    char *f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = val;
        char *sp = strchr(val, ' ');
        if ((sp == NULL) != (i == 3) || !*f[i]) {
            log_error("config: mount: expected TYPE TARGET SOURCE OPTIONS");
            return -EINVAL;
        }
        if (sp) {
            *sp = '\0';
            val = sp + 1;
        }
    }
    if (f[1][0] != '/') {
        log_error("config: mount target '%s' is not absolute", f[1]);
        return -EINVAL;
    }
    if (c->n_mounts >= CONFIG_MAX_LIST) {
        log_error("config: more than %d mount entries", CONFIG_MAX_LIST);
        return -EINVAL;
    }
    c->mounts[c->n_mounts++] = (struct config_mount){
        .type = f[0],
        .target = f[1],
        .source = strcmp(f[2], "-") ? f[2] : NULL,
        .options = strcmp(f[3], "-") ? f[3] : NULL,
    };
    return 0;
}

static int size_value(const char *key, const char *val, uint64_t *out)
{
    unsigned long long v;
    if (parse_u64(val, strlen(val), &v) || v == 0) {
        log_error("config: %s: bad value '%s'", key, val);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int libos_config_parse(const char *text, size_t size)
{
    size_t len = strnlen(text, size);
    if (len == size) {
        log_error("config: not NUL terminated");
        return -EINVAL;
    }
    char *copy = kmalloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text, len + 1);
    struct libos_config *c = &libos_config;
    char *line = copy;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *sp = strchr(line, ' ');
        if (!sp) {
            log_error("config: malformed line '%s'", line);
            return -EINVAL;
        }
        *sp = '\0';
        const char *key = line, *val = sp + 1;
        int rc;
        if (!strcmp(key, "user_space_size"))
            rc = size_value(key, val, &c->user_space_size);
        else if (!strcmp(key, "kernel_space_heap_size"))
            rc = size_value(key, val, &c->kernel_heap_size);
        else if (!strcmp(key, "kernel_space_stack_size"))
            rc = size_value(key, val, &c->kernel_stack_size);
        else if (!strcmp(key, "max_num_of_threads"))
            rc = size_value(key, val, &c->max_threads);
        else if (!strcmp(key, "entry_point"))
            rc = val[0] == '/' ? add(c->entry_points, &c->n_entry_points, key, val) : -EINVAL;
        else if (!strcmp(key, "env_default"))
            rc = strchr(val, '=') ? add(c->env_default, &c->n_env_default, key, val) : -EINVAL;
        else if (!strcmp(key, "env_untrusted"))
            rc = add(c->env_untrusted, &c->n_env_untrusted, key, val);
        else if (!strcmp(key, "mount"))
            rc = add_mount(c, (char *)val);
        else {
            log_error("config: unknown key '%s'", key);
            rc = -EINVAL;
        }
        if (rc) {
            log_error("config: bad line for '%s'", key);
            return rc;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

bool config_is_entry_point(const char *path)
{
    for (size_t i = 0; i < libos_config.n_entry_points; i++) {
        const char *ep = libos_config.entry_points[i];
        size_t n = strlen(ep);
        while (n > 1 && ep[n - 1] == '/')
            n--;
        if (n == 1 && ep[0] == '/')
            return true;
        if (!strncmp(path, ep, n) && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

bool config_env_untrusted_allowed(const char *name_value)
{
    const char *eq = strchr(name_value, '=');
    if (!eq)
        return false;
    size_t n = (size_t)(eq - name_value);
    for (size_t i = 0; i < libos_config.n_env_untrusted; i++) {
        const char *name = libos_config.env_untrusted[i];
        if (strlen(name) == n && !strncmp(name, name_value, n))
            return true;
    }
    return false;
}
