# The timer queue of the timer service (src/libos/time/timerq.c): ordering, overruns, saturation.
UNIT_TESTS += timerq
timerq_SRCS := test/unit/test_timerq.c src/libos/time/timerq.c
