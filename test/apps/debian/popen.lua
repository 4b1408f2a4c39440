-- lua5.4's io.popen and os.execute (issue 4). Both go through /bin/sh -c (dash): glibc's
-- popen() and system() start the shell with posix_spawn, and dash runs the last simple
-- command of a -c string by exec'ing it without forking. Usage: popen.lua WORDS.
local words = arg[1]

local f = assert(io.popen("/usr/bin/sort " .. words))
local out = f:read("a")
io.write("popen read: ", out)
print("close", f:close())

f = assert(io.popen("/usr/bin/cat /nonexistent-file 2>/dev/null"))
out = f:read("a")
print("popen failing command", #out, f:close())

f = assert(io.popen("exec /usr/bin/wc -l " .. words))
print("popen exec", f:read("n"), f:close())

local w = assert(io.popen("/usr/bin/tr a-z A-Z", "w"))
w:write("written through popen\n")
io.stdout:flush()
print("popen write close", w:close())

print("execute true", os.execute("/usr/bin/true"))
print("execute false", os.execute("/usr/bin/false"))
print("execute exit 3", os.execute("exit 3"))
print("execute shell", os.execute())
