/*
 * Interpreter scripts ("#!"), as Linux's binfmt_script runs them: a file that starts with
 * "#!interpreter [one-argument]" is run as
 *
 *     interpreter [one-argument] script-path argv[1] argv[2] ...
 *
 * The line is read from the first 256 bytes (BINPRM_BUF_SIZE); the optional argument is
 * everything after the interpreter's name, trimmed, as one word. An interpreter may itself be
 * a script, up to SCRIPT_MAX_DEPTH levels (then -ELOOP, as Linux).
 */
#include "fs/fs.h"
#include "mm/mm.h"
#include "process/spawn.h"
#include "uapi/errno.h"
#include "util/string.h"

#define SCRIPT_LINE_MAX  256
#define SCRIPT_MAX_DEPTH 4

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * If `path` is a script, returns 1 and its interpreter and optional argument (pointers into
 * `line`, NUL terminated); 0 if it is not a script; -errno if it cannot be read.
 */
static int read_shebang(const char *path, char line[SCRIPT_LINE_MAX + 1], char **interp,
                        char **arg)
{
    struct file *f;
    int rc = vfs_open_kernel(path, O_RDONLY, &f);
    if (rc)
        return rc;
    struct stat st;
    rc = file_stat(f, &st);
    if (rc || !S_ISREG(st.st_mode)) {
        file_put(f);
        return rc ? rc : -EACCES; /* execve of a directory or device: EACCES, as Linux */
    }
    ssize_t n = file_pread(f, line, SCRIPT_LINE_MAX, 0);
    file_put(f);
    if (n < 0)
        return (int)n;
    if (n < 2 || line[0] != '#' || line[1] != '!')
        return 0;
    line[n] = '\0';
    char *end = memchr(line, '\n', (size_t)n);
    if (!end) {
        /* Linux accepts a line cut at the buffer only if the interpreter's name is whole. */
        end = line + n;
    }
    *end = '\0';
    char *p = line + 2;
    while (is_blank(*p))
        p++;
    if (!*p)
        return -ENOEXEC;
    *interp = p;
    while (*p && !is_blank(*p))
        p++;
    if (*p)
        *p++ = '\0';
    while (is_blank(*p))
        p++;
    char *q = p + strlen(p);
    while (q > p && is_blank(q[-1]))
        *--q = '\0';
    *arg = *p ? p : NULL;
    return 1;
}

int script_resolve(const char *path, char *const argv[], size_t argc, struct exec_args *out)
{
    /* Build the new argv in `out`, one level at a time: each level prepends interpreter
     * [arg] and replaces argv[0] with the script's path. */
    size_t cap = argc + 2 * SCRIPT_MAX_DEPTH + 1;
    out->argv = kmalloc(cap * sizeof(char *));
    out->strings = kmalloc(SCRIPT_MAX_DEPTH * (SCRIPT_LINE_MAX + 1));
    if (!out->argv || !out->strings) {
        exec_args_free(out);
        return -ENOMEM;
    }
    memcpy(out->argv, argv, argc * sizeof(char *));
    out->argc = argc;
    out->path = path;
    for (int depth = 0;; depth++) {
        char *line = out->strings + depth * (SCRIPT_LINE_MAX + 1);
        char *interp = NULL, *arg = NULL;
        int rc = depth < SCRIPT_MAX_DEPTH ? read_shebang(out->path, line, &interp, &arg)
                                          : -ELOOP;
        /* An interpreter that cannot be read is the loader's to report, naming it. */
        if (rc == 0 || (rc < 0 && rc != -ELOOP && depth > 0))
            return 0;
        if (rc < 0) {
            exec_args_free(out);
            return rc;
        }
        /* argv: interp [arg] path argv[1..] */
        size_t extra = arg ? 2 : 1;
        memmove(out->argv + extra + 1, out->argv + 1, (out->argc - 1) * sizeof(char *));
        out->argv[0] = interp;
        if (arg)
            out->argv[1] = arg;
        out->argv[extra] = (char *)out->path;
        out->argc += extra;
        out->path = interp;
    }
}

void exec_args_free(struct exec_args *a)
{
    kfree(a->argv);
    kfree(a->strings);
    a->argv = NULL;
    a->strings = NULL;
}
