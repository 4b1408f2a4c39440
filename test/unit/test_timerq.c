/*
 * Host-built unit test of the timer queue (src/libos/time/timerq.c): deadline order (FIFO
 * among equal deadlines), re-arming and disarming, interval expiry with overruns counted as
 * Linux's hrtimer_forward does (next deadline the first period boundary after now),
 * remaining time, saturation at KTIME_MAX, and the timespec/timeval conversions.
 */
#include "time/timer.h"
#include "uapi/errno.h"

/* The host's stdio and stdlib would redefine struct timespec/timeval (uapi/linux_types.h). */
int printf(const char *fmt, ...);
void exit(int status) __attribute__((noreturn));

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void nop(struct ktimer *t, uint64_t count)
{
    (void)t, (void)count;
}

static void test_order(void)
{
    struct timerq q;
    struct ktimer a, b, c, d;
    timerq_init(&q);
    ktimer_init(&a, nop);
    ktimer_init(&b, nop);
    ktimer_init(&c, nop);
    ktimer_init(&d, nop);
    CHECK(timerq_next(&q) == UINT64_MAX);
    uint64_t n;
    CHECK(timerq_pop_expired(&q, 1000, &n) == NULL);

    timerq_arm(&q, &a, 300, 0);
    timerq_arm(&q, &b, 100, 0);
    timerq_arm(&q, &c, 200, 0);
    timerq_arm(&q, &d, 200, 0); /* same deadline as c, armed after it */
    CHECK(timerq_next(&q) == 100);
    CHECK(timerq_pop_expired(&q, 99, &n) == NULL); /* never early */
    CHECK(timerq_pop_expired(&q, 250, &n) == &b && n == 1);
    CHECK(!b.armed);
    CHECK(timerq_pop_expired(&q, 250, &n) == &c);
    CHECK(timerq_pop_expired(&q, 250, &n) == &d);
    CHECK(timerq_pop_expired(&q, 250, &n) == NULL);
    CHECK(timerq_next(&q) == 300);

    /* Re-arming moves a timer; disarming removes it; both are idempotent. */
    timerq_arm(&q, &b, 50, 0);
    CHECK(timerq_next(&q) == 50);
    timerq_arm(&q, &b, 400, 0);
    CHECK(timerq_next(&q) == 300);
    timerq_disarm(&q, &a);
    timerq_disarm(&q, &a);
    CHECK(timerq_next(&q) == 400);
    timerq_disarm(&q, &b);
    CHECK(timerq_next(&q) == UINT64_MAX);
}

static void test_interval(void)
{
    struct timerq q;
    struct ktimer t;
    timerq_init(&q);
    ktimer_init(&t, nop);
    uint64_t n;
    timerq_arm(&q, &t, 100, 10);
    CHECK(timerq_pop_expired(&q, 100, &n) == &t && n == 1);
    CHECK(t.armed && t.deadline == 110 && t.interval == 10);
    /* Late by 25: expiries at 110, 120, 130 -> 3, next at 140. */
    CHECK(timerq_pop_expired(&q, 135, &n) == &t && n == 3);
    CHECK(t.deadline == 140);
    CHECK(timerq_pop_expired(&q, 135, &n) == NULL); /* one call per due timer */
    CHECK(timerq_pop_expired(&q, 140, &n) == &t && n == 1 && t.deadline == 150);

    /* remaining */
    CHECK(ktimer_remaining(&t, 145) == 5);
    CHECK(ktimer_remaining(&t, 150) == 1); /* due but not fired yet: armed, never 0 */
    CHECK(ktimer_remaining(&t, 999) == 1);
    timerq_disarm(&q, &t);
    CHECK(ktimer_remaining(&t, 145) == 0);

    /* Near the end of time the next deadline saturates instead of wrapping. */
    timerq_arm(&q, &t, KTIME_MAX - 5, 100);
    CHECK(timerq_pop_expired(&q, KTIME_MAX - 1, &n) == &t && n == 1);
    CHECK(t.deadline == KTIME_MAX);
    /* A huge backlog is counted, not replayed. */
    timerq_arm(&q, &t, 0, 1);
    CHECK(timerq_pop_expired(&q, 1000000000, &n) == &t && n == 1000000001);
    CHECK(t.deadline == 1000000001);
}

static void test_conversions(void)
{
    uint64_t ns;
    struct timespec ts = {1, 5};
    CHECK(timespec_to_ns(&ts, &ns) == 0 && ns == 1000000005);
    struct timespec bad1 = {-1, 0}, bad2 = {0, 1000000000}, bad3 = {0, -1};
    CHECK(timespec_to_ns(&bad1, &ns) == -EINVAL);
    CHECK(timespec_to_ns(&bad2, &ns) == -EINVAL);
    CHECK(timespec_to_ns(&bad3, &ns) == -EINVAL);
    struct timespec huge = {INT64_MAX, 999999999};
    CHECK(timespec_to_ns(&huge, &ns) == 0 && ns == KTIME_MAX);
    struct timeval tv = {2, 999999}, badtv = {0, 1000000};
    CHECK(timeval_to_ns(&tv, &ns) == 0 && ns == 2999999000ULL);
    CHECK(timeval_to_ns(&badtv, &ns) == -EINVAL);
    struct timeval r = ns_to_timeval(1001); /* rounded up to whole microseconds */
    CHECK(r.tv_sec == 0 && r.tv_usec == 2);
    r = ns_to_timeval(999999999);
    CHECK(r.tv_sec == 1 && r.tv_usec == 0);
    struct timespec s = ns_to_timespec(3000000007ULL);
    CHECK(s.tv_sec == 3 && s.tv_nsec == 7);
    CHECK(ktime_add(KTIME_MAX - 1, 5) == KTIME_MAX);
    CHECK(ktime_add(1, 2) == 3);
    CHECK(ktime_add(UINT64_MAX, 0) == KTIME_MAX);
}

int main(void)
{
    test_order();
    test_interval();
    test_conversions();
    printf("timerq: ok\n");
    return 0;
}
