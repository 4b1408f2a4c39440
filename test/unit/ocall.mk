UNIT_TESTS += ocall
ocall_SRCS := test/unit/test_ocall.c src/libos/ocall/ocall.c
