/*
 * The memory system calls: mmap, munmap, mprotect, mremap, brk, madvise. Thin: they look up
 * what the call names (the file behind an fd) and hand over to the calling process's
 * vm_space (vma.c, vma_remap.c), which checks every argument.
 */
#include "fs/fs.h"
#include "mm/mm.h"
#include "process/process.h"
#include "syscall/syscall.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"

DEFINE_SYSCALL6(mmap, uint64_t, addr, uint64_t, len, int, prot, int, flags, int, fd, uint64_t, off)
{
    struct file *file = NULL;
    if (!(flags & MAP_ANONYMOUS)) {
        if (len == 0)
            return -EINVAL; /* Linux checks the length before the fd */
        file = fd_lookup_file(fd);
        if (!file)
            return -EBADF;
    }
    /* The file's contents are copied into the mapping; no reference outlives the call. */
    long ret = vm_mmap(current_process()->vm, addr, len, prot, flags, file, off);
    if (file)
        file_put(file);
    return ret;
}

DEFINE_SYSCALL2(munmap, uint64_t, addr, uint64_t, len)
{
    return vm_munmap(current_process()->vm, addr, len);
}

DEFINE_SYSCALL3(mprotect, uint64_t, addr, uint64_t, len, int, prot)
{
    return vm_mprotect(current_process()->vm, addr, len, prot);
}

DEFINE_SYSCALL5(mremap, uint64_t, old_addr, uint64_t, old_len, uint64_t, new_len, int, flags,
                uint64_t, new_addr)
{
    return vm_mremap(current_process()->vm, old_addr, old_len, new_len, flags, new_addr);
}

DEFINE_SYSCALL1(brk, uint64_t, new_brk)
{
    return (long)vm_brk(current_process()->vm, new_brk);
}

DEFINE_SYSCALL3(madvise, uint64_t, addr, uint64_t, len, int, advice)
{
    return vm_madvise(current_process()->vm, addr, len, advice);
}

DEFINE_SYSCALL3(msync, void *, uaddr, size_t, len, int, flags)
{
    return vm_msync(current_vm(), (uint64_t)uaddr, len, flags);
}
