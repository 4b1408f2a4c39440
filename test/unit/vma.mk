UNIT_TESTS += vma
vma_SRCS := test/unit/test_vma.c src/libos/mm/vma.c src/libos/mm/vma_remap.c src/libos/mm/vma_shared.c \
    src/libos/mm/urange.c src/libos/mm/retained.c src/libos/mm/heap.c src/libos/util/uaccess.c
