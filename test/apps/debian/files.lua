-- lua5.4's file library on the image and on /tmp: io.lines, io.open for writing and
-- appending, seek, os.rename, os.remove, os.tmpname. Usage: files.lua BIGFILE.
local n, bytes = 0, 0
for l in io.lines(arg[1]) do
    n = n + 1
    bytes = bytes + #l
end
print("lines", n, bytes)

local f = assert(io.open(arg[1], "rb"))
print("size by seek", f:seek("end"), f:seek("set", 10), f:read(20))
f:close()

local name = os.tmpname()
print("tmpname in /tmp", name:sub(1, 5) == "/tmp/")
f = assert(io.open(name, "w"))
for i = 1, 1000 do f:write(string.format("%04d\n", i)) end
f:close()
f = assert(io.open(name, "a"))
f:write("appended\n")
f:close()
f = assert(io.open(name, "r"))
local all = f:read("a")
f:close()
print("written", #all, all:sub(-14))
local moved = name .. ".moved"
print("rename", os.rename(name, moved), io.open(name) == nil)
print("remove", os.remove(moved), select(3, os.remove(moved)))
print("open missing", io.open("/nonexistent/file"))
