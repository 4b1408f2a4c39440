/*
 * Shared file mappings: a MAP_SHARED mapping of a file opened read-write has its pages
 * written back to the file when they are unmapped (munmap, a MAP_FIXED mapping over them,
 * mremap, exit or exec) and on msync.
 *
 * The mapping's pages are the LibOS's copy of the file, read at mmap time: other mappings of
 * the same file and read()/write() on it do not see each other's changes until a write-back
 * (Linux shares one page cache; the LibOS has none yet). A region that mremap moves is
 * written back at its old place and not tracked at the new one.
 *
 * Regions are a short list per vm_space, guarded by vm->lock. Writing back holds that lock
 * across file writes (which may be OCALLs for hostfs): the same as mmap's reading the file
 * in, and nothing else of the process can touch its memory map meanwhile.
 */
#include "fs/fs.h"
#include "mm/mm.h"
#include "mm/vm_internal.h"
#include "uapi/errno.h"
#include "util/log.h"

int shared_map_add(struct vm_space *vm, uint64_t start, uint64_t end, struct file *file,
                   uint64_t off)
{
    struct shared_map *m = kzalloc(sizeof(*m));
    if (!m)
        return -ENOMEM;
    file_get(file);
    *m = (struct shared_map){start, end, off, file, vm->shared};
    vm->shared = m;
    return 0;
}

/* Writes [start, end) of region m (already clipped) to its file, up to the file's size. */
static int write_back(struct shared_map *m, uint64_t start, uint64_t end)
{
    struct stat st;
    int rc = file_stat(m->file, &st);
    if (rc < 0)
        return rc;
    uint64_t off = m->off + (start - m->start);
    if (off >= (uint64_t)st.st_size)
        return 0; /* pages past the end of the file are never written (as Linux) */
    uint64_t len = MIN(end - start, (uint64_t)st.st_size - off);
    for (uint64_t done = 0; done < len;) {
        ssize_t n = file_pwrite(m->file, (const void *)(start + done), len - done, off + done);
        if (n <= 0)
            return n < 0 ? (int)n : -EIO;
        done += (uint64_t)n;
    }
    return 0;
}

int shared_map_writeback(struct vm_space *vm, uint64_t start, uint64_t end, bool forget)
{
    int first_err = 0;
    struct shared_map **pp = &vm->shared;
    while (*pp) {
        struct shared_map *m = *pp;
        uint64_t s = MAX(start, m->start), e = MIN(end, m->end);
        if (s >= e) {
            pp = &m->next;
            continue;
        }
        int rc = write_back(m, s, e);
        if (rc < 0 && !first_err) {
            log_warn("write-back of a shared file mapping failed: %d", rc);
            first_err = rc;
        }
        if (!forget) {
            pp = &m->next;
            continue;
        }
        /* Keep what lies outside [s, e): one piece, two pieces, or none. */
        if (s > m->start && e < m->end) {
            struct shared_map *tail = kzalloc(sizeof(*tail));
            if (tail) {
                file_get(m->file);
                *tail = (struct shared_map){e, m->end, m->off + (e - m->start), m->file, m->next};
                m->next = tail;
            }
            m->end = s;
            pp = &m->next;
        } else if (s > m->start) {
            m->end = s;
            pp = &m->next;
        } else if (e < m->end) {
            m->off += e - m->start;
            m->start = e;
            pp = &m->next;
        } else {
            *pp = m->next;
            file_put(m->file);
            kfree(m);
        }
    }
    return first_err;
}
