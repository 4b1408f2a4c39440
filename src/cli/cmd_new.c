/*
 * `occlum new DIR` and `occlum init`: lay out an instance directory as Occlum does:
 * Occlum.json with Occlum's keys and defaults (config_default_json()), and image/ holding the
 * usual root directories plus a few /etc files. The image follows Debian 12's merged /usr
 * (bin, lib, lib64, sbin are symlinks into usr/), so that the paths Debian's programs carry
 * (PT_INTERP /lib64/ld-linux-x86-64.so.2, /lib/x86_64-linux-gnu) resolve in the image as on
 * the host, whichever of the two names `occlum add` was given. Modes are set explicitly (not
 * through the umask) because they go into the image, which must not depend on who built it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "util.h"

static const struct {
    const char *path;
    unsigned mode;
} image_dirs[] = {
    {"dev", 0755},     {"etc", 0755},       {"host", 0755},     {"opt", 0755}, {"proc", 0755},
    {"root", 0700},    {"sys", 0755},       {"tmp", 01777},     {"usr", 0755}, {"usr/bin", 0755},
    {"usr/lib", 0755}, {"usr/lib64", 0755}, {"usr/sbin", 0755},
};

/* Debian 12 merges /usr: these are symlinks there, and `occlum add` copies through them. */
static const struct {
    const char *path;
    const char *target;
} image_links[] = {
    {"bin", "usr/bin"},
    {"lib", "usr/lib"},
    {"lib64", "usr/lib64"},
    {"sbin", "usr/sbin"},
};

static const struct {
    const char *path;
    const char *text;
} image_files[] = {
    {"etc/hostname", "occlum\n"},
    {"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
    {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"},
    {"etc/group", "root:x:0:\n"},
};

static int make_dir(const char *path, unsigned mode)
{
    if (mkdir(path, mode) != 0) {
        cli_error("%s: cannot create directory: %s", path, strerror(errno));
        return -1;
    }
    if (chmod(path, mode) != 0) {
        cli_error("%s: cannot set mode: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes Occlum.json and image/ into dir, which exists. */
static int populate(const char *dir)
{
    int ret = -1;
    char *json = path_join(dir, "Occlum.json");
    char *image = path_join(dir, "image");
    const char *text = config_default_json();
    if (write_file_atomic(json, text, strlen(text), 0644) < 0 || make_dir(image, 0755) < 0)
        goto out;
    for (size_t i = 0; i < sizeof(image_dirs) / sizeof(image_dirs[0]); i++) {
        char *p = path_join(image, image_dirs[i].path);
        int r = make_dir(p, image_dirs[i].mode);
        free(p);
        if (r < 0)
            goto out;
    }
    for (size_t i = 0; i < sizeof(image_links) / sizeof(image_links[0]); i++) {
        char *p = path_join(image, image_links[i].path);
        int r = symlink(image_links[i].target, p);
        if (r != 0)
            cli_error("%s: cannot create symlink: %s", p, strerror(errno));
        free(p);
        if (r != 0)
            goto out;
    }
    for (size_t i = 0; i < sizeof(image_files) / sizeof(image_files[0]); i++) {
        char *p = path_join(image, image_files[i].path);
        int r = write_file_atomic(p, image_files[i].text, strlen(image_files[i].text), 0644);
        free(p);
        if (r < 0)
            goto out;
    }
    ret = 0;
out:
    free(json);
    free(image);
    return ret;
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

int cmd_new(int argc, char **argv)
{
    if (argc == 2 && is_help_arg(argv[1])) {
        print_help("new", 0);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '\0') {
        cli_error("new: expected exactly one argument, the instance directory");
        print_help("new", 1);
        return 1;
    }
    const char *dir = argv[1];
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            cli_error("%s already exists and is not a directory", dir);
            return 1;
        }
        if (dir_is_empty(dir) != 1) {
            cli_error("%s already exists and is not empty; choose a new directory", dir);
            return 1;
        }
    } else if (errno != ENOENT) {
        cli_error("%s: %s", dir, strerror(errno));
        return 1;
    } else if (make_dir(dir, 0755) < 0) {
        return 1;
    }
    if (populate(dir) < 0)
        return 1;
    cli_info("created Occlum instance %s", dir);
    return 0;
}

int cmd_init(int argc, char **argv)
{
    if (argc == 2 && is_help_arg(argv[1])) {
        print_help("init", 0);
        return 0;
    }
    if (argc != 1) {
        cli_error("init: takes no arguments (it initialises the current directory)");
        print_help("init", 1);
        return 1;
    }
    struct stat st;
    if (stat("Occlum.json", &st) == 0 || stat("image", &st) == 0) {
        cli_error("the current directory already has Occlum.json or image/; not overwriting");
        return 1;
    }
    return populate(".") < 0 ? 1 : 0;
}
