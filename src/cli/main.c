/*
 * occlum: the command-line tool, after Occlum's. Dispatches to the commands of cli.h and
 * holds every help text, so that `occlum --help`, `occlum help CMD` and `occlum CMD --help`
 * print the same words. Commands Occlum has and we do not yet are listed as such and fail
 * with a clear error, rather than pretending to work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv); /* NULL: not implemented yet */
    const char *usage;
    const char *help;
};

static const struct command commands[] = {
    {"new", cmd_new, "occlum new <dir>",
     "Create a new Occlum instance in <dir> (which must not exist, or be empty): Occlum.json\n"
     "with Occlum's keys and defaults, and image/, the enclave's root file system, laid out\n"
     "as Debian 12's (merged /usr): bin, lib, lib64 and sbin are symlinks to usr/bin,\n"
     "usr/lib, usr/lib64 and usr/sbin; dev, etc, host, opt, proc, root, sys, tmp and usr/*\n"
     "are directories; etc/{hostname,hosts,passwd,group} are written.\n"},
    {"init", cmd_init, "occlum init",
     "Make the current directory an Occlum instance, as `occlum new .` would; it must not\n"
     "already hold Occlum.json or image/.\n"},
    {"build", cmd_build, "occlum build [-f]",
     "Validate Occlum.json and build the instance into build/: enclave.conf (the resolved\n"
     "configuration), image.fs (image/ packed; regular files, directories and symlinks) and\n"
     "libos.so (the LibOS). A key outside Occlum's schema or a bad value is an error naming\n"
     "the key; an Occlum key not honoured yet is a warning naming it. Building an unchanged\n"
     "instance again gives identical files.\n"
     "Occlum.json's mount entries become the enclave's mount table: the first must be the\n"
     "unionfs on / (its two sefs layers: the image, and a writable layer, kept in enclave\n"
     "memory for now); then hostfs (\"source\": a host directory, relative to the instance),\n"
     "ramfs (\"options\": {\"size\": \"64MB\"} optional), devfs, procfs, sysfs. Nothing is\n"
     "mounted that is not listed: no host directory is visible unless a hostfs entry says so.\n"
     "  -f, --force   accepted for Occlum compatibility; every build is a full build\n"},
    {"run", cmd_run, "occlum run <path> [<args>...]",
     "Run the program <path> of the image inside the enclave of the current (built)\n"
     "instance, with <args>. Its output and exit status are the program's; a program killed\n"
     "by signal N exits with 128+N. <path> must lie under one of Occlum.json's entry_points.\n"
     "Use `occlum run -- <path> ...` for a path that starts with '-'.\n"},
    {"help", NULL, "occlum help [<command>]", "Show help for occlum, or for one command.\n"},
    {"start", NULL, "occlum start", "Not implemented yet: start a long-lived enclave.\n"},
    {"exec", NULL, "occlum exec -- <path> [<args>...]",
     "Not implemented yet: run a program in the enclave started by `occlum start`.\n"},
    {"stop", NULL, "occlum stop", "Not implemented yet: stop the enclave of `occlum start`.\n"},
    {"package", NULL, "occlum package",
     "Not implemented yet: bundle a built instance for deployment.\n"},
    {"add", cmd_add, "occlum add [-v] <path>...",
     "Copy each host file or directory <path> into image/ at the same absolute path\n"
     "(a relative <path> is taken from the current directory). Directories are copied\n"
     "recursively, symlinks inside them kept as symlinks; a symlink named directly is copied\n"
     "as a symlink together with what it points to (chains followed). Mode bits and mtimes\n"
     "are kept; a file already in image/ with the same size, mtime and mode is not copied\n"
     "again, so adding the same thing twice is harmless.\n"
     "For every ELF executable or shared library copied (named, or found in a directory,\n"
     "such as Python's lib-dynload modules) its interpreter (PT_INTERP) and every library it\n"
     "needs (DT_NEEDED, transitively) are copied too, found as ld.so finds them: DT_RPATH\n"
     "(when there is no DT_RUNPATH), DT_RUNPATH, $ORIGIN/$LIB/$PLATFORM, the directories of\n"
     "/etc/ld.so.conf, then /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib and\n"
     "/usr/lib (LD_LIBRARY_PATH is not used). Library symlinks such as libz.so.1 are kept\n"
     "as symlinks, with their targets. Where image/ has a symlink (bin -> usr/bin), the copy\n"
     "goes through it, as the path will resolve inside the enclave.\n"
     "A missing <path> is an error before anything is copied. A library that cannot be found\n"
     "is an error naming it and the file that needs it; the rest is still copied, and what\n"
     "was copied stays in image/ (every file is complete: each is written under a temporary\n"
     "name and renamed). The exit status is then 1.\n"
     "  -v, --verbose   print each path copied (files, symlinks, directories created)\n"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

int is_help_arg(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

void print_help(const char *cmd, int to_stderr)
{
    FILE *f = to_stderr ? stderr : stdout;
    const struct command *c = cmd ? find_command(cmd) : NULL;
    if (c) {
        fprintf(f, "Usage: %s\n\n%s", c->usage, c->help);
        return;
    }
    fprintf(f, "Usage: occlum <command> [<args>]\n\n"
               "Commands:\n"
               "  new <dir>                  create an Occlum instance in <dir>\n"
               "  init                       make the current directory an Occlum instance\n"
               "  build [-f]                 validate Occlum.json and build the instance\n"
               "  run <path> [<args>...]     run <path> inside the instance's enclave\n"
               "  add [-v] <path>...         copy programs with their libraries into image/\n"
               "  help [<command>]           show this help, or one command's\n"
               "  start, exec, stop, package\n"
               "                             not implemented yet\n\n"
               "Commands other than new run in the instance directory.\n"
               "OCCLUM_LOG_LEVEL=off|error|warn|info|debug|trace sets how much is printed\n"
               "(the CLI's default is warn).\n");
}

char *instance_dir(void)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        cli_error("cannot get the current directory: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (stat("Occlum.json", &st) != 0) {
        cli_error("%s is not an Occlum instance (no Occlum.json); run `occlum new`", cwd);
        return NULL;
    }
    return strdup(cwd);
}

int main(int argc, char **argv)
{
    cli_log_init();
    if (argc < 2) {
        print_help(NULL, 1);
        return 1;
    }
    const char *name = argv[1];
    if (is_help_arg(name)) {
        print_help(NULL, 0);
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        if (argc > 2 && !find_command(argv[2])) {
            cli_error("unknown command '%s'", argv[2]);
            print_help(NULL, 1);
            return 1;
        }
        print_help(argc > 2 ? argv[2] : NULL, 0);
        return 0;
    }
    const struct command *c = find_command(name);
    if (!c) {
        cli_error("unknown command '%s'", name);
        print_help(NULL, 1);
        return 1;
    }
    if (!c->fn) {
        if (argc > 2 && is_help_arg(argv[2])) {
            print_help(name, 0);
            return 0;
        }
        cli_error("`occlum %s` is not implemented yet", name);
        return 1;
    }
    return c->fn(argc - 1, argv + 1);
}
