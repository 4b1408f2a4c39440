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
     "with Occlum's keys and defaults, and image/, the enclave's root file system, with the\n"
     "usual directories (bin, dev, etc, host, lib, lib64, opt, proc, root, sbin, sys, tmp,\n"
     "usr/bin, usr/lib) and etc/{hostname,hosts,passwd,group}.\n"},
    {"init", cmd_init, "occlum init",
     "Make the current directory an Occlum instance, as `occlum new .` would; it must not\n"
     "already hold Occlum.json or image/.\n"},
    {"build", cmd_build, "occlum build [-f]",
     "Validate Occlum.json and build the instance into build/: enclave.conf (the resolved\n"
     "configuration), image.fs (image/ packed; regular files, directories and symlinks) and\n"
     "libos.so (the LibOS). A key outside Occlum's schema or a bad value is an error naming\n"
     "the key; an Occlum key not honoured yet is a warning naming it. Building an unchanged\n"
     "instance again gives identical files.\n"
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
    {"add", NULL, "occlum add <path>...",
     "Not implemented yet: copy programs with their libraries into image/.\n"},
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
               "  help [<command>]           show this help, or one command's\n"
               "  start, exec, stop, package, add\n"
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
