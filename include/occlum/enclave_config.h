/*
 * The resolved enclave configuration: what `occlum build` derives from Occlum.json and what
 * the enclave is measured with. It is a text file (build/enclave.conf), one `key value` per
 * line, that the loader copies into the enclave's config pages; the LibOS parses that copy.
 * Keeping it this simple lets the LibOS parse it without a JSON parser, and keeps the
 * measured bytes readable by a person.
 *
 *   key                      value                         from Occlum.json
 *   user_space_size          bytes                         resource_limits.user_space_size
 *   kernel_space_heap_size   bytes                         resource_limits.kernel_space_heap_size
 *   kernel_space_stack_size  bytes                         resource_limits.kernel_space_stack_size
 *   max_num_of_threads       count                         resource_limits.max_num_of_threads
 *   entry_point              absolute path (repeatable)    entry_points[]
 *   env_default              NAME=value (repeatable)       env.default[]
 *   env_untrusted            NAME (repeatable)             env.untrusted[]
 *   mount                    TYPE TARGET SOURCE OPTIONS    mount[] (repeatable, in order)
 *
 * A mount line has four space-separated fields; SOURCE and OPTIONS are "-" when absent:
 *   TYPE     unionfs | ramfs | hostfs | devfs | procfs | sysfs
 *   TARGET   absolute path inside the enclave ("/" only for unionfs, which must come first)
 *   SOURCE   hostfs: the host directory, as written in Occlum.json (relative paths are
 *            relative to the instance directory, where `occlum run` starts the runtime)
 *   OPTIONS  comma-separated key=value, no spaces: ramfs "size=BYTES"; unionfs
 *            "upper=ramfs" (the writable layer over the image; an encrypted persistent layer
 *            comes later)
 *
 * Lines are separated by '\n'; the value is everything after the first space. Unknown keys
 * are an error on both sides. Sizes are plain decimal byte counts.
 */
#ifndef OCCLUM_ENCLAVE_CONFIG_H
#define OCCLUM_ENCLAVE_CONFIG_H

#define ENCLAVE_CONFIG_MAX (64 * 1024) /* largest resolved config the loader accepts */

#endif
