/*
 * The occlum commands. Each takes the arguments after its own name (argv[0] is the command
 * name) and returns the process exit status; `run` does not return when it succeeds.
 * They run in the current directory, which is the instance directory (as Occlum's do).
 */
#ifndef OCCLUM_CLI_CLI_H
#define OCCLUM_CLI_CLI_H

int cmd_new(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_add(int argc, char **argv);

/* Prints the help of one command (or the overview for NULL) to stdout or stderr. */
void print_help(const char *cmd, int to_stderr);

/* True if arg asks for help (-h, --help). */
int is_help_arg(const char *arg);

/*
 * Checks that the current directory is an Occlum instance (has Occlum.json). On failure
 * prints the one-line error and returns NULL; else returns the absolute instance path,
 * malloc()ed.
 */
char *instance_dir(void);

#endif /* OCCLUM_CLI_CLI_H */
