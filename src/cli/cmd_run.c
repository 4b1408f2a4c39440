/*
 * `occlum run PATH [ARGS...]`: checks the current directory is a built instance and execs
 * the host runtime, <dir of occlum>/occlum-runtime INSTANCE/build PATH ARGS..., with the
 * environment unchanged. Everything about the program itself (entry_points, whether it is
 * in the image) is checked inside the enclave, where the check can be trusted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"

int cmd_run(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && is_help_arg(argv[1])) {
        print_help("run", 0);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    if (first >= argc || argv[first][0] == '\0') {
        cli_error("run: expected the path of the program to run");
        print_help("run", 1);
        return 1;
    }
    if (first == 1 && argv[1][0] == '-') {
        cli_error("run: unknown option '%s' (use `occlum run -- %s` for such a path)", argv[1],
                  argv[1]);
        return 1;
    }
    char *inst = instance_dir();
    if (!inst)
        return 1;

    static const char *const outputs[] = {"build/enclave.conf", "build/image.fs", "build/libos.so"};
    struct stat st, conf_st;
    for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
        if (stat(outputs[i], &st) != 0) {
            cli_error("%s is not built (no %s); run `occlum build`", inst, outputs[i]);
            free(inst);
            return 1;
        }
    }
    if (stat("build/enclave.conf", &conf_st) == 0 && stat("Occlum.json", &st) == 0 &&
        (st.st_mtim.tv_sec > conf_st.st_mtim.tv_sec ||
         (st.st_mtim.tv_sec == conf_st.st_mtim.tv_sec &&
          st.st_mtim.tv_nsec > conf_st.st_mtim.tv_nsec)))
        cli_warn("Occlum.json changed since the last `occlum build`; running the old build");

    char *dir = exe_dir();
    if (!dir) {
        free(inst);
        return 1;
    }
    char *runtime = path_join(dir, "occlum-runtime");
    free(dir);
    if (access(runtime, X_OK) != 0) {
        cli_error("host runtime not found at %s (%s); build it with `make`", runtime,
                  strerror(errno));
        free(runtime);
        free(inst);
        return 1;
    }
    int nargs = argc - first;
    char **rargv = calloc((size_t)nargs + 3, sizeof(char *));
    if (!rargv) {
        cli_error("out of memory");
        return 1;
    }
    rargv[0] = runtime;
    rargv[1] = path_join(inst, "build");
    for (int i = 0; i < nargs; i++)
        rargv[2 + i] = argv[first + i];
    cli_debug("exec %s %s %s ...", rargv[0], rargv[1], rargv[2]);
    execv(runtime, rargv);
    cli_error("cannot execute %s: %s", runtime, strerror(errno));
    return 1;
}
