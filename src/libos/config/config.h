/*
 * The enclave's configuration, parsed once at start-up from the measured config pages
 * (format: include/occlum/enclave_config.h). Read-only after libos_config_parse().
 */
#ifndef LIBOS_CONFIG_CONFIG_H
#define LIBOS_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_LIST 64

/* One `mount` line: SOURCE and OPTIONS are NULL when given as "-". */
struct config_mount {
    const char *type;
    const char *target;
    const char *source;
    const char *options;
};

struct libos_config {
    uint64_t user_space_size;
    uint64_t kernel_heap_size;
    uint64_t kernel_stack_size;
    uint64_t max_threads;
    const char *entry_points[CONFIG_MAX_LIST]; size_t n_entry_points;
    const char *env_default[CONFIG_MAX_LIST];  size_t n_env_default;
    const char *env_untrusted[CONFIG_MAX_LIST]; size_t n_env_untrusted;
    struct config_mount mounts[CONFIG_MAX_LIST]; size_t n_mounts; /* in config order */
};

extern struct libos_config libos_config;

/* Parses the config text (copied into the heap first); 0 or -EINVAL after logging why. */
int libos_config_parse(const char *text, size_t size);
/* True if `path` (absolute, normalised) is under one of the entry_points. */
bool config_is_entry_point(const char *path);
/* True if env.untrusted lets the host pass the variable in "NAME=value". */
bool config_env_untrusted_allowed(const char *name_value);

#endif
