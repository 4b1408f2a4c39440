/*
 * Thread slots: which enclave thread (TCS + LibOS stack + host thread) carries which guest
 * thread. Slot 0 is the runtime's main thread, used by ECALL_RUN; the others are handed out
 * for new guest threads and processes.
 *
 * When a guest thread ends, its host thread does not leave the enclave: it parks in the
 * LibOS as an idle slot (no CPU used) and is handed the next new guest thread, so creating
 * a thread or process usually costs one wake-up instead of a new host thread (the slot
 * pool). Only when no slot is idle is a new host thread asked for. A freed slot is reused only once its old host thread
 * has let go of its TCS (tcs->busy, cleared by the platform when the host thread detaches),
 * because until then that thread is still on the slot's LibOS stack or host code registered
 * with the slot's selector byte.
 *
 * Locking: slots_lock guards slot_owner.
 */
#include "sched/sched.h"
#include "arch/arch.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "occlum/ocall.h"
#include "ocall/ocall.h"
#include "process/process.h"
#include "process/spawn.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/string.h"

static spinlock_t slots_lock = SPINLOCK_INIT;
static struct thread **slot_owner; /* guarded by slots_lock */
static bool *slot_idle;            /* guarded by slots_lock: a host thread parked in it */
static uint64_t nr_slots;

void slots_init(uint64_t num_slots)
{
    slot_owner = kzalloc(num_slots * sizeof(*slot_owner));
    slot_idle = kzalloc(num_slots * sizeof(*slot_idle));
    BUG_ON(!slot_owner || !slot_idle);
    nr_slots = num_slots;
}

static struct tcs *slot_tcs(uint64_t slot)
{
    return (struct tcs *)enclave_tcs_addr(enclave_info, slot);
}

int slot_assign(struct thread *th)
{
    /* An idle slot first: its parked host thread takes `th` when woken. */
    spin_lock(&slots_lock);
    for (uint64_t i = 1; i < nr_slots; i++) {
        if (slot_idle[i] && !slot_owner[i]) {
            slot_idle[i] = false;
            th->tcs_index = i;
            slot_owner[i] = th;
            spin_unlock(&slots_lock);
            thread_wake(th, false);
            return 0;
        }
    }
    spin_unlock(&slots_lock);
    long slot = slot_alloc(th);
    if (slot < 0)
        return (int)slot;
    th->tcs_index = (uint64_t)slot;
    int rc = slot_start_host_thread((uint64_t)slot);
    if (rc)
        slot_free((uint64_t)slot);
    return rc;
}

void slot_park_idle(struct tcs *tcs)
{
    uint64_t slot = tcs->index;
    tcs->thread = NULL;
    spin_lock(&slots_lock);
    slot_owner[slot] = NULL;
    slot_idle[slot] = true;
    spin_unlock(&slots_lock);
    for (;;) {
        thread_park(-1);
        spin_lock(&slots_lock);
        struct thread *th = slot_owner[slot];
        spin_unlock(&slots_lock);
        if (th)
            thread_enter_slot(tcs); /* does not return */
    }
}

long slot_alloc(struct thread *th)
{
    long found = -EAGAIN;
    /* A slot given back a moment ago may still have its old host thread on the way out:
     * wait a little for it rather than fail. */
    for (int tries = 0; found < 0 && tries < 1000; tries++) {
        bool leaving = false;
        spin_lock(&slots_lock);
        for (uint64_t i = 1; i < nr_slots; i++) {
            if (slot_owner[i] || slot_idle[i])
                continue;
            if (__atomic_load_n(&slot_tcs(i)->busy, __ATOMIC_ACQUIRE)) {
                leaving = true;
                continue;
            }
            slot_owner[i] = th;
            found = (long)i;
            break;
        }
        spin_unlock(&slots_lock);
        if (found >= 0 || !leaving)
            break;
        host_sched_yield();
    }
    if (found < 0)
        log_warn("no free thread slot: raise resource_limits.max_num_of_threads (%llu)",
                 (unsigned long long)nr_slots);
    return found;
}

void slot_free(uint64_t slot)
{
    spin_lock(&slots_lock);
    slot_owner[slot] = NULL;
    spin_unlock(&slots_lock);
}

struct thread *slot_thread(uint64_t slot)
{
    if (slot >= nr_slots)
        return NULL;
    spin_lock(&slots_lock);
    struct thread *th = slot_owner[slot];
    spin_unlock(&slots_lock);
    return th;
}

int slot_start_host_thread(uint64_t slot)
{
    struct ocall_thread *a = current_tcs()->host_buf;
    struct ocall_thread req = {.slot = slot};
    memcpy(a, &req, sizeof(req));
    ocall(OCALL_THREAD_SPAWN, a);
    int64_t ret = a->ret;
    return ret == 0 ? 0 : -EAGAIN;
}
