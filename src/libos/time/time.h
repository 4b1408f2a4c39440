/* Time: the host's clocks, read by OCALL and checked (time never runs backwards inside). */
#ifndef LIBOS_TIME_TIME_H
#define LIBOS_TIME_TIME_H

#include "uapi/linux_types.h"
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC; never decreases. */
uint64_t time_monotonic_ns(void);
/* Reads a clock; -EINVAL for an id the LibOS does not serve. */
int time_clock_get(int clock, struct timespec *ts);

#endif
