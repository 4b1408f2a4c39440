/*
 * Occlum.json's `mount` array: the checks beyond its schema (config.c checks the keys and the
 * value types) and its resolution into enclave.conf `mount` lines
 * (include/occlum/enclave_config.h). Private to config.c.
 */
#ifndef OCCLUM_CLI_CONFIG_MOUNT_H
#define OCCLUM_CLI_CONFIG_MOUNT_H

#include <jansson.h>
#include <stddef.h>

/*
 * Checks the mount entries (already schema-valid) of the file `file` and, when all are good,
 * sets *lines to a malloc()ed array of n malloc()ed "TYPE TARGET SOURCE OPTIONS" values, in
 * order. Returns the number of errors printed (0: *lines and *n set).
 */
int config_mounts_resolve(const char *file, json_t *mounts, char ***lines, size_t *n);

#endif /* OCCLUM_CLI_CONFIG_MOUNT_H */
