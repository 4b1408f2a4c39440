UNIT_TESTS += sha256
sha256_SRCS := test/unit/test_sha256.c src/host/sha256.c
