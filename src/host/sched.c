/*
 * Host side of the scheduling OCALLs (occlum/ocall_sched.h): one host thread per enclave
 * thread slot, each with an event word the slot's thread parks on with the futex syscall.
 *
 * Slot 0 is the runtime's main thread. Other slots get a host thread when the LibOS asks
 * (THREAD_SPAWN); that thread attaches to the slot, runs ECALL_THREAD until the guest thread
 * ends, and exits.
 *
 * New threads are created by a spawner thread that never enters the enclave: a thread
 * created by an enclave thread would inherit its Syscall User Dispatch setting, whose
 * selector blocks host syscalls again as soon as the creator is back inside.
 */
#include "enclave.h"
#include "occlum/ocall_sched.h"
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct host_slot {
    pthread_t thread;
    int thread_valid; /* atomic: `thread` may be signalled */
    int event;        /* futex word: 1 = set */
};

static struct enclave *sched_enclave;
static struct host_slot *slots;
static uint64_t num_slots;

/* One spawn request at a time (spawn_busy): the slot to start (or -1), and its result. */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawn_cond = PTHREAD_COND_INITIALIZER;
static int spawn_busy;
static int64_t spawn_slot = -1;
static int spawn_result;
static int spawn_done;

static void *slot_thread(void *arg);

static int create_slot_thread(uint64_t slot)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    slots[slot].event = 0;
    int rc = pthread_create(&slots[slot].thread, &attr, slot_thread, (void *)slot);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        __atomic_store_n(&slots[slot].thread_valid, 1, __ATOMIC_RELEASE);
    return rc;
}

static void *spawner(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&spawn_lock);
    for (;;) {
        while (spawn_slot < 0)
            pthread_cond_wait(&spawn_cond, &spawn_lock);
        spawn_result = create_slot_thread((uint64_t)spawn_slot);
        spawn_slot = -1;
        spawn_done = 1;
        pthread_cond_broadcast(&spawn_cond);
    }
    return NULL;
}

int host_sched_init(struct enclave *e)
{
    sched_enclave = e;
    num_slots = e->info.num_threads;
    slots = calloc(num_slots, sizeof(*slots));
    if (!slots)
        return -1;
    slots[0].thread = pthread_self();
    __atomic_store_n(&slots[0].thread_valid, 1, __ATOMIC_RELEASE);
    pthread_t t;
    return pthread_create(&t, NULL, spawner, NULL) ? -1 : 0;
}

static void *slot_thread(void *arg)
{
    uint64_t slot = (uint64_t)arg;
    if (enclave_thread_attach(sched_enclave, slot) == 0) {
        enclave_ecall(sched_enclave, slot, ECALL_THREAD, NULL);
        enclave_thread_detach(sched_enclave, slot);
    }
    __atomic_store_n(&slots[slot].thread_valid, 0, __ATOMIC_RELEASE);
    return NULL;
}

static int slot_ok(uint64_t slot)
{
    return slot < num_slots;
}

void host_thread_spawn(void *buf)
{
    struct ocall_thread *a = buf;
    uint64_t slot = a->slot;
    if (!slot_ok(slot) || slot == 0) {
        a->ret = -EINVAL;
        return;
    }
    pthread_mutex_lock(&spawn_lock);
    while (spawn_busy) /* another request is being served */
        pthread_cond_wait(&spawn_cond, &spawn_lock);
    spawn_busy = 1;
    spawn_done = 0;
    spawn_slot = (int64_t)slot;
    pthread_cond_broadcast(&spawn_cond);
    while (!spawn_done)
        pthread_cond_wait(&spawn_cond, &spawn_lock);
    int rc = spawn_result;
    spawn_busy = 0;
    pthread_cond_broadcast(&spawn_cond);
    pthread_mutex_unlock(&spawn_lock);
    a->ret = rc ? -EAGAIN : 0;
}

void host_thread_kick(void *buf)
{
    struct ocall_thread *a = buf;
    if (!slot_ok(a->slot)) {
        a->ret = -EINVAL;
        return;
    }
    a->ret = 0;
    if (__atomic_load_n(&slots[a->slot].thread_valid, __ATOMIC_ACQUIRE))
        pthread_kill(slots[a->slot].thread, SIGRTMIN + SIM_KICK_SIGNAL_OFFSET);
}

void host_event_wait(void *buf)
{
    struct ocall_event *a = buf;
    if (!slot_ok(a->slot)) {
        a->ret = -EINVAL;
        return;
    }
    int *ev = &slots[a->slot].event;
    struct timespec ts, *tp = NULL;
    if (a->timeout_ns >= 0) {
        ts.tv_sec = a->timeout_ns / 1000000000;
        ts.tv_nsec = a->timeout_ns % 1000000000;
        tp = &ts;
    }
    a->ret = 0;
    while (!__atomic_exchange_n(ev, 0, __ATOMIC_ACQUIRE)) {
        long rc = syscall(SYS_futex, ev, FUTEX_WAIT_PRIVATE, 0, tp, NULL, 0);
        if (rc < 0 && (errno == ETIMEDOUT || errno == EINTR)) {
            /* A set that raced with the timeout still counts. */
            a->ret = __atomic_exchange_n(ev, 0, __ATOMIC_ACQUIRE) ? 0 : -errno;
            return;
        }
    }
}

void host_event_set(void *buf)
{
    struct ocall_event *a = buf;
    if (!slot_ok(a->slot)) {
        a->ret = -EINVAL;
        return;
    }
    int *ev = &slots[a->slot].event;
    __atomic_store_n(ev, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, ev, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    a->ret = 0;
}
