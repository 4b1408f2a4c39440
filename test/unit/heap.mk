UNIT_TESTS += heap
heap_SRCS := test/unit/test_heap.c src/libos/mm/heap.c
