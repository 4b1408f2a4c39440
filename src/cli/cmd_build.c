/*
 * `occlum build`: validate Occlum.json and produce the instance's build/ directory:
 *   build/enclave.conf  the resolved configuration (include/occlum/enclave_config.h)
 *   build/image.fs      image/ packed (include/occlum/image_format.h)
 *   build/libos.so      a copy of the LibOS image, so the instance is self-contained
 * enclave.conf is what marks an instance as built: it is removed first and written last,
 * each file goes through a temporary name and a rename, so a failed build never leaves a
 * mixture of old and new files that `occlum run` would take for a finished build.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "image_pack.h"
#include "log.h"
#include "util.h"

/* Finds <dir of occlum>/../lib/libos.so and checks it looks like an ELF file. */
static char *find_libos(void)
{
    char *dir = exe_dir();
    if (!dir)
        return NULL;
    char *path = path_join(dir, "../lib/libos.so");
    free(dir);
    char magic[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("LibOS image not found at %s (%s); build it with `make`", path, strerror(errno));
        free(path);
        return NULL;
    }
    ssize_t n = read(fd, magic, sizeof(magic));
    close(fd);
    if (n != 4 || memcmp(magic, "\177ELF", 4) != 0) {
        cli_error("%s is not an ELF file; rebuild it with `make`", path);
        free(path);
        return NULL;
    }
    return path;
}

int cmd_build(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (is_help_arg(argv[i])) {
            print_help("build", 0);
            return 0;
        }
        /* -f (Occlum: force a rebuild) is accepted; every build here is a full build. */
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
            continue;
        cli_error("build: unsupported argument '%s'", argv[i]);
        print_help("build", 1);
        return 1;
    }
    char *inst = instance_dir();
    if (!inst)
        return 1;
    free(inst);

    int ret = 1;
    struct enclave_config cfg;
    char *conf_text = NULL, *libos = NULL;
    if (config_load("Occlum.json", &cfg) < 0)
        return 1;
    long conf_len = config_format(&cfg, &conf_text);
    config_free(&cfg);
    if (conf_len < 0)
        return 1;

    struct stat st;
    if (stat("image", &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("image/ is missing: it holds the files of the enclave's root file system");
        goto out;
    }
    if (!(libos = find_libos()))
        goto out;
    if (mkdir("build", 0755) != 0 && errno != EEXIST) {
        cli_error("build: cannot create directory: %s", strerror(errno));
        goto out;
    }
    if (unlink("build/enclave.conf") != 0 && errno != ENOENT) {
        cli_error("build/enclave.conf: cannot remove: %s", strerror(errno));
        goto out;
    }

    struct image_pack_stats stats;
    if (image_pack("image", "build/image.fs.tmp", &stats) < 0) {
        unlink("build/image.fs.tmp");
        goto out;
    }
    if (rename("build/image.fs.tmp", "build/image.fs") != 0) {
        cli_error("build/image.fs: cannot rename into place: %s", strerror(errno));
        goto out;
    }
    if (copy_file_atomic(libos, "build/libos.so", 0755) < 0)
        goto out;
    if (write_file_atomic("build/enclave.conf", conf_text, (size_t)conf_len, 0644) < 0)
        goto out;
    cli_info("built: %llu files, %llu directories, %llu symlinks, image %llu bytes",
             (unsigned long long)stats.files, (unsigned long long)stats.dirs,
             (unsigned long long)stats.symlinks, (unsigned long long)stats.file_size);
    ret = 0;
out:
    free(conf_text);
    free(libos);
    return ret;
}
