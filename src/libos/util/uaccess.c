/*
 * Guest-memory access (uaccess.h): every guest pointer is checked against the calling
 * process's mappings before a byte is touched.
 *
 * The check and the copy happen under the process's vm_space lock (mm.h: vm_lock), so a
 * concurrent munmap/mprotect by another thread of the same process cannot pull the pages away
 * between them. Nothing here reaches outside the user range: VMAs exist only inside it, so a
 * LibOS ("kernel-range") pointer, NULL, or a wrapping range is -EFAULT.
 */
#include "util/uaccess.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "uapi/errno.h"
#include "uapi/linux_types.h"
#include "util/compiler.h"
#include "util/string.h"

/* Locks the current vm_space and checks the range; returns it locked, or NULL (unlocked). */
static struct vm_space *lock_checked(const void *uaddr, size_t n, int prot)
{
    struct vm_space *vm = current_vm();
    if (!vm || !uaddr || range_wraps((uint64_t)uaddr, n))
        return NULL;
    vm_lock(vm);
    if (!vm_range_ok_locked(vm, (uint64_t)uaddr, n, prot)) {
        vm_unlock(vm);
        return NULL;
    }
    return vm;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
    if (n == 0)
        return 0;
    struct vm_space *vm = lock_checked(usrc, n, PROT_READ);
    if (!vm)
        return -EFAULT;
    memcpy(dst, usrc, n);
    vm_unlock(vm);
    return 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
    if (n == 0)
        return 0;
    struct vm_space *vm = lock_checked(udst, n, PROT_WRITE);
    if (!vm)
        return -EFAULT;
    memcpy(udst, src, n);
    vm_unlock(vm);
    return 0;
}

int clear_user(void *udst, size_t n)
{
    if (n == 0)
        return 0;
    struct vm_space *vm = lock_checked(udst, n, PROT_WRITE);
    if (!vm)
        return -EFAULT;
    memset(udst, 0, n);
    vm_unlock(vm);
    return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    struct vm_space *vm = current_vm();
    if (!vm || !usrc)
        return -EFAULT;
    if (max == 0)
        return -ENAMETOOLONG;
    uint64_t at = (uint64_t)usrc;
    size_t len = 0;
    long ret;
    vm_lock(vm);
    /* Page by page, since the string may end just before an unmapped page. Up to max bytes
     * are read: the NUL of a string of max-1 characters is the last of them. */
    while (len < max) {
        uint64_t page_left = PAGE_SIZE - (at & (PAGE_SIZE - 1));
        size_t chunk = MIN(page_left, max - len);
        if (range_wraps(at, chunk) || !vm_range_ok_locked(vm, at, chunk, PROT_READ)) {
            ret = -EFAULT;
            goto out;
        }
        const char *src = (const char *)at;
        for (size_t k = 0; k < chunk; k++) {
            char c = src[k]; /* read each guest byte once */
            if (c == '\0') {
                dst[len] = '\0';
                ret = (long)len;
                goto out;
            }
            if (len == max - 1)
                goto too_long; /* no room left for the NUL */
            dst[len++] = c;
        }
        at += chunk;
    }
too_long:
    ret = -ENAMETOOLONG;
out:
    vm_unlock(vm);
    if (ret < 0)
        dst[ret == -EFAULT ? 0 : max - 1] = '\0';
    return ret;
}

bool user_range_ok(const void *uaddr, size_t n, int prot)
{
    if (n == 0)
        return true;
    struct vm_space *vm = lock_checked(uaddr, n, prot);
    if (!vm)
        return false;
    vm_unlock(vm);
    return true;
}
