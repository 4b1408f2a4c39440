#!/usr/bin/python3 -u
# Run as a program (the kernel, or the LibOS, reads the #! line and starts python3 -u with
# this file and the arguments). Prints what it can see of how it was started.
import os
import sys

print("argv", os.path.basename(sys.argv[0]), sys.argv[1:])
print("executable", sys.executable)
print("-u: stdout written through", sys.stdout.write_through)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
