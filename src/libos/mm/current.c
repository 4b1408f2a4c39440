/*
 * current_vm(): the address space of the calling guest thread's process. Kept apart from
 * util/uaccess.c so that host-built unit tests, which have no %gs thread block, can supply
 * their own.
 */
#include "mm/mm.h"
#include "process/process.h"

struct vm_space *current_vm(void)
{
    struct tcs *tcs = current_tcs();
    struct thread *t = tcs ? (struct thread *)tcs->thread : NULL;
    return t && t->proc ? t->proc->vm : NULL;
}
