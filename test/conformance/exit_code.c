/*
 * Conformance: how a program ends. The harness checks the exit status (tests.list):
 *
 *   exit_code exit N       exit(N) after buffered output: stdio is flushed, status N & 255
 *   exit_code raw N        exit_group(N) straight away: unflushed output is lost
 *   exit_code return N     return N from main
 *   exit_code abort        abort(): killed by SIGABRT, the shell's status 134 (128 + 6)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: exit_code exit|raw|return N | abort\n");
        return 100;
    }
    int n = argc > 2 ? atoi(argv[2]) : 0;
    printf("exit_code: %s %d\n", argv[1], n); /* buffered: stdout is not a tty */
    if (strcmp(argv[1], "exit") == 0)
        exit(n);
    if (strcmp(argv[1], "return") == 0)
        return n;
    if (strcmp(argv[1], "raw") == 0) {
        printf("exit_code: this line is never flushed\n");
        syscall(SYS_exit_group, n);
        return 101; /* unreachable */
    }
    if (strcmp(argv[1], "abort") == 0) {
        fflush(stdout);
        abort();
    }
    return 102;
}
