/*
 * hello: the smallest useful program, for timing `occlum run /bin/hello` against running the
 * same binary natively. What it does is deliberately nothing beyond libc start-up, one write
 * and exit, so the difference is the cost of starting (and tearing down) an enclave.
 */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
