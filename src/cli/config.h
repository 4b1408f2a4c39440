/*
 * Occlum.json: the default a new instance starts with, validation against Occlum's schema,
 * and the resolved enclave configuration (include/occlum/enclave_config.h) that `occlum
 * build` writes. Validation reports every problem at once, each naming its key as a JSON path
 * (resource_limits.user_space_size, entry_points[2]) and the form expected.
 */
#ifndef OCCLUM_CLI_CONFIG_H
#define OCCLUM_CLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* What the enclave is built with: the keys of include/occlum/enclave_config.h. */
struct enclave_config {
    uint64_t user_space_size;
    uint64_t kernel_space_heap_size;
    uint64_t kernel_space_stack_size;
    uint32_t max_num_of_threads;
    char **entry_points; /* absolute path prefixes */
    size_t n_entry_points;
    char **env_default; /* NAME=value */
    size_t n_env_default;
    char **env_untrusted; /* NAME */
    size_t n_env_untrusted;
    char **mounts; /* "TYPE TARGET SOURCE OPTIONS", the value of each enclave.conf mount line */
    size_t n_mounts;
};

/* The Occlum.json that `occlum new` writes: Occlum's keys with Occlum's defaults. */
const char *config_default_json(void);

/*
 * Parses a size as Occlum does: optional blanks, a decimal number, optional blanks, and a
 * unit among B, KB, MB, GB, TB (upper case; K = 1024). Returns 0 and the byte count, or -1
 * (no number, no unit, overflow).
 */
int config_parse_size(const char *s, uint64_t *bytes);

/*
 * Reads and validates the Occlum.json at path (its name is used in messages) and resolves it
 * into *cfg. A key outside Occlum's schema, a value of the wrong type or out of range, or
 * invalid JSON is an error; an Occlum key we do not honour yet, set to a value other than
 * the default of config_default_json(), is a warning. Returns 0 (cfg filled; release it with
 * config_free) or -1 after printing every error.
 */
int config_load(const char *path, struct enclave_config *cfg);

/* Frees what config_load allocated in cfg. */
void config_free(struct enclave_config *cfg);

/*
 * Formats cfg as the enclave.conf text into a malloc()ed, NUL-terminated buffer (*out) and
 * returns its length, or -1 if it would exceed ENCLAVE_CONFIG_MAX (message printed).
 */
long config_format(const struct enclave_config *cfg, char **out);

#endif /* OCCLUM_CLI_CONFIG_H */
