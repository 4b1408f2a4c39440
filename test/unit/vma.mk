# The mm unit tests share the platform stand-ins and invariant checker (vma_standins.c).
VMA_UNIT_SRCS := test/unit/vma_standins.c src/libos/mm/vma.c src/libos/mm/vma_reuse.c \
    src/libos/mm/vma_remap.c src/libos/mm/vma_shared.c src/libos/mm/urange.c \
    src/libos/mm/retained.c src/libos/mm/heap.c src/libos/util/uaccess.c

# vma: the user range, vm_space, uaccess. retained: retained file pages and vm_reserve_image.
UNIT_TESTS += vma retained
vma_SRCS := test/unit/test_vma.c $(VMA_UNIT_SRCS)
retained_SRCS := test/unit/test_retained.c test/unit/test_reserve_image.c $(VMA_UNIT_SRCS)
