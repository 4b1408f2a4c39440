# Unit test of the CLI's image packer: packs a tree, reads the image back, checks the format.
UNIT_TESTS += image_pack
image_pack_SRCS := test/unit/test_image_pack.c src/cli/image_pack.c src/cli/log.c
