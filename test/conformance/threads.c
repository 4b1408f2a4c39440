/*
 * Conformance: threads and futexes. pthread_create/join (clone with CLONE_THREAD,
 * CLONE_SETTLS, CLONE_CHILD_CLEARTID and the futex wake at thread exit), mutexes and
 * condition variables under contention, thread-local storage per thread, gettid, and the
 * futex system call's answers. Checks run in the main thread only (check.h's counters are
 * not atomic); the workers report through atomics.
 */
#define _GNU_SOURCE
#include "check.h"
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 8
#define NITER    20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int atomic_counter;
static __thread int tls_value;
static int tls_ok;
static int distinct_tids;
static pid_t main_tid;

static void *worker(void *arg)
{
    tls_value = (int)(intptr_t)arg;
    for (int i = 0; i < NITER; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        __atomic_add_fetch(&atomic_counter, 1, __ATOMIC_RELAXED);
    }
    if (tls_value == (int)(intptr_t)arg)
        __atomic_add_fetch(&tls_ok, 1, __ATOMIC_RELAXED);
    if ((pid_t)syscall(SYS_gettid) != main_tid && (pid_t)syscall(SYS_gettid) != getpid())
        __atomic_add_fetch(&distinct_tids, 1, __ATOMIC_RELAXED);
    return (void *)(intptr_t)((int)(intptr_t)arg * 2);
}

static int turn;
static int pingpongs;

static void *ponger(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        while (turn != 1)
            pthread_cond_wait(&cond, &lock);
        turn = 0;
        pingpongs++;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static pthread_mutex_t robust;
static void *die_holding(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&robust);
    return NULL; /* exits holding the robust mutex */
}

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

int main(void)
{
    main_tid = (pid_t)syscall(SYS_gettid);

    section_begin("create and join");
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1)) == 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *ret = NULL;
        CHECK(pthread_join(t[i], &ret) == 0);
        CHECK((intptr_t)ret == (i + 1) * 2);
    }
    CHECK(counter == (long)NTHREADS * NITER);
    CHECK(atomic_counter == NTHREADS * NITER);
    CHECK(tls_ok == NTHREADS);
    CHECK(distinct_tids == NTHREADS);
    CHECK(main_tid == getpid());
    section_end();

    section_begin("condition variable ping-pong");
    pthread_t p;
    CHECK(pthread_create(&p, NULL, ponger, NULL) == 0);
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        turn = 1;
        pthread_cond_signal(&cond);
        while (turn != 0)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
    }
    CHECK(pthread_join(p, NULL) == 0);
    CHECK(pingpongs == 1000);
    section_end();

    section_begin("futex answers");
    uint32_t word = 5;
    CHECK_ERR(futex(&word, 0 /* FUTEX_WAIT */, 6, NULL), EAGAIN);
    struct timespec ts = {0, 20 * 1000 * 1000};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(futex(&word, 0, 5, &ts), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 19);
    CHECK(futex(&word, 1 /* FUTEX_WAKE */, 1, NULL) == 0);
    CHECK_ERR(futex((uint32_t *)((char *)&word + 1), 0, 5, NULL), EINVAL);
    CHECK_ERR(futex((uint32_t *)8, 0, 5, NULL), EFAULT);
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(futex(&word, 0, 5, &bad), EINVAL);
    section_end();

    section_begin("robust mutex of a dead thread");
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    CHECK(pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) == 0);
    CHECK(pthread_mutex_init(&robust, &ma) == 0);
    pthread_t d;
    CHECK(pthread_create(&d, NULL, die_holding, NULL) == 0);
    CHECK(pthread_join(d, NULL) == 0);
    CHECK(pthread_mutex_lock(&robust) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&robust) == 0);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    CHECK(pthread_mutex_lock(&robust) == 0);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    section_end();

    return check_summary("threads");
}
