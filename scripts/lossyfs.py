#!/usr/bin/env python3
"""A FUSE filesystem that forgets, at a power cut, everything that was not made durable.

The idea of LazyFS, small: the whole filesystem lives in memory, and beside it a second copy holds only what
has been made durable. `fsync` of a file copies its data and attributes to the durable copy; `fsync` of a
folder copies its entries (names -> inodes). A new file whose folder was synced but whose data was not comes
back empty; a rename or unlink is durable once its folders are synced. Nothing is flushed behind the
program's back, which is stricter than any real disk (ext4 also writes back on its own): what survives a cut
here is exactly what the program asked to survive.

`mkdir MOUNTPOINT/.lossyfs-cut` is the power cut: the durable copy is written to the snapshot file and the
process exits at once, so every later operation fails (the caller then unmounts). Mounting again with the same snapshot file
brings back the durable state, as a machine booting after the cut.

Usage: lossyfs.py MOUNTPOINT SNAPSHOT   (foreground; needs fusepy and libfuse2)
"""
import copy, errno, os, pickle, signal, stat, sys, threading, time

from fuse import FUSE, FuseOSError, Operations


class Node:
    __slots__ = ("mode", "uid", "gid", "data", "entries", "mtime", "ctime", "target")

    def __init__(self, mode, uid=0, gid=0):
        self.mode, self.uid, self.gid = mode, uid, gid
        self.data = bytearray() if stat.S_ISREG(mode) else None
        self.entries = {} if stat.S_ISDIR(mode) else None
        self.mtime = self.ctime = time.time()
        self.target = None


class LossyFS(Operations):
    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.mutex = threading.RLock()
        self.cut = False
        if os.path.exists(snapshot):
            with open(snapshot, "rb") as f:
                durable = pickle.load(f)
        else:
            durable = {1: Node(stat.S_IFDIR | 0o755)}
        self.durable = durable
        # What is reachable from the root after the "boot" is the live state; the rest is gone.
        self.nodes, self.next_ino = {}, max(durable) + 1
        stack = [1]
        while stack:
            ino = stack.pop()
            if ino in self.nodes or ino not in durable:
                continue
            self.nodes[ino] = copy.deepcopy(durable[ino])
            if self.nodes[ino].entries is not None:
                self.nodes[ino].entries = {n: i for n, i in self.nodes[ino].entries.items() if i in durable}
                stack.extend(self.nodes[ino].entries.values())
        self.durable = {ino: copy.deepcopy(node) for ino, node in self.nodes.items()}
        self.open_files = {}
        self.next_fh = 1
        self.syncs = 0

    # --- the power cut

    def power_cut(self):
        with self.mutex:
            self.cut = True
            with open(self.snapshot + ".new", "wb") as f:
                pickle.dump(self.durable, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(self.snapshot + ".new", self.snapshot)

    def check(self):
        if self.cut:
            raise FuseOSError(errno.EIO)

    # --- lookup

    def resolve(self, path):
        ino = 1
        for part in [p for p in path.split("/") if p]:
            node = self.nodes[ino]
            if node.entries is None or part not in node.entries:
                raise FuseOSError(errno.ENOENT)
            ino = node.entries[part]
        return ino

    def parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        return self.resolve(head or "/"), name

    def new_node(self, mode):
        ino = self.next_ino
        self.next_ino += 1
        uid, gid, _ = __import__("fuse").fuse_get_context()
        self.nodes[ino] = Node(mode, uid, gid)
        return ino

    # --- attributes

    def getattr(self, path, fh=None):
        with self.mutex:
            self.check()
            ino = self.resolve(path)
            node = self.nodes[ino]
            size = len(node.data) if node.data is not None else (len(node.target) if node.target else 4096)
            links = 2 + sum(1 for i in node.entries.values() if self.nodes[i].entries is not None) if node.entries is not None else 1
            return {"st_mode": node.mode, "st_ino": ino, "st_nlink": links, "st_size": size, "st_uid": node.uid,
                    "st_gid": node.gid, "st_mtime": node.mtime, "st_ctime": node.ctime, "st_atime": node.mtime,
                    "st_blocks": (size + 511) // 512, "st_blksize": 4096}

    def chmod(self, path, mode):
        with self.mutex:
            self.check()
            node = self.nodes[self.resolve(path)]
            node.mode = (node.mode & ~0o7777) | (mode & 0o7777)
            node.ctime = time.time()

    def chown(self, path, uid, gid):
        with self.mutex:
            self.check()
            node = self.nodes[self.resolve(path)]
            if uid != -1 and uid != 0xFFFFFFFF:
                node.uid = uid
            if gid != -1 and gid != 0xFFFFFFFF:
                node.gid = gid

    def utimens(self, path, times=None):
        with self.mutex:
            self.check()
            node = self.nodes[self.resolve(path)]
            node.mtime = times[1] if times else time.time()

    def statfs(self, path):
        return {"f_bsize": 4096, "f_frsize": 4096, "f_blocks": 1 << 22, "f_bfree": 1 << 21, "f_bavail": 1 << 21,
                "f_files": 1 << 20, "f_ffree": 1 << 19, "f_namemax": 255}

    # --- folders

    def readdir(self, path, fh):
        with self.mutex:
            self.check()
            return [".", ".."] + list(self.nodes[self.resolve(path)].entries)

    def mkdir(self, path, mode):
        if path == "/.lossyfs-dump":
            # For debugging the filesystem itself: live and durable sizes of every reachable file, on stderr.
            with self.mutex:
                for ino, node in sorted(self.nodes.items()):
                    durable = self.durable.get(ino)
                    live = len(node.data) if node.data is not None else "dir"
                    kept = (len(durable.data) if durable.data is not None else "dir") if durable else "-"
                    print(f"ino {ino} live {live} durable {kept} syncs {self.syncs}", file=sys.stderr, flush=True)
            raise FuseOSError(errno.EEXIST)
        if path == "/.lossyfs-cut":
            # The power cut: from now on nothing changes; the durable copy is what the next boot finds.
            self.power_cut()
            os._exit(0)
        with self.mutex:
            self.check()
            parent, name = self.parent(path)
            if name in self.nodes[parent].entries:
                raise FuseOSError(errno.EEXIST)
            self.nodes[parent].entries[name] = self.new_node(stat.S_IFDIR | (mode & 0o7777))

    def rmdir(self, path):
        with self.mutex:
            self.check()
            parent, name = self.parent(path)
            ino = self.resolve(path)
            if self.nodes[ino].entries:
                raise FuseOSError(errno.ENOTEMPTY)
            del self.nodes[parent].entries[name]

    def fsyncdir(self, path, datasync, fh):
        with self.mutex:
            self.check()
            ino = self.resolve(path)
            node = self.nodes[ino]
            durable = self.durable.setdefault(ino, Node(node.mode, node.uid, node.gid))
            durable.entries = dict(node.entries)
            durable.mode, durable.uid, durable.gid = node.mode, node.uid, node.gid
            # A name made durable whose inode never was: it comes back, empty (its data was never synced).
            for child in node.entries.values():
                if child not in self.durable:
                    live = self.nodes[child]
                    stub = Node(live.mode, live.uid, live.gid)
                    stub.target = live.target
                    self.durable[child] = stub
            self.syncs += 1
            return 0

    # --- names

    def rename(self, old, new):
        with self.mutex:
            self.check()
            old_parent, old_name = self.parent(old)
            new_parent, new_name = self.parent(new)
            ino = self.resolve(old)
            target = self.nodes[new_parent].entries.get(new_name)
            if target is not None and self.nodes[target].entries:
                raise FuseOSError(errno.ENOTEMPTY)
            del self.nodes[old_parent].entries[old_name]
            self.nodes[new_parent].entries[new_name] = ino
            self.nodes[ino].ctime = time.time()

    def unlink(self, path):
        with self.mutex:
            self.check()
            parent, name = self.parent(path)
            self.resolve(path)
            del self.nodes[parent].entries[name]

    def link(self, target, source):
        with self.mutex:
            self.check()
            ino = self.resolve(source)
            parent, name = self.parent(target)
            if name in self.nodes[parent].entries:
                raise FuseOSError(errno.EEXIST)
            self.nodes[parent].entries[name] = ino

    def symlink(self, target, source):
        with self.mutex:
            self.check()
            parent, name = self.parent(target)
            ino = self.new_node(stat.S_IFLNK | 0o777)
            self.nodes[ino].target = source
            self.nodes[parent].entries[name] = ino

    def readlink(self, path):
        with self.mutex:
            self.check()
            return self.nodes[self.resolve(path)].target

    def mknod(self, path, mode, dev):
        with self.mutex:
            self.check()
            parent, name = self.parent(path)
            self.nodes[parent].entries[name] = self.new_node(mode)

    # --- files

    def create(self, path, mode, fi=None):
        with self.mutex:
            self.check()
            parent, name = self.parent(path)
            if name in self.nodes[parent].entries:
                ino = self.nodes[parent].entries[name]
            else:
                ino = self.new_node(stat.S_IFREG | (mode & 0o7777))
                self.nodes[parent].entries[name] = ino
            return self.handle(ino)

    def handle(self, ino):
        fh = self.next_fh
        self.next_fh += 1
        self.open_files[fh] = ino
        return fh

    def open(self, path, flags):
        with self.mutex:
            self.check()
            ino = self.resolve(path)
            if flags & os.O_TRUNC and self.nodes[ino].data is not None:
                self.nodes[ino].data = bytearray()
            return self.handle(ino)

    def release(self, path, fh):
        with self.mutex:
            self.open_files.pop(fh, None)
            return 0

    def flush(self, path, fh):
        with self.mutex:
            self.check()
            return 0

    def node_for(self, path, fh):
        ino = self.open_files.get(fh) if fh else None
        return self.nodes[ino if ino is not None else self.resolve(path)] if (ino in self.nodes or ino is None) else None

    def read(self, path, size, offset, fh):
        with self.mutex:
            self.check()
            node = self.node_for(path, fh)
            return bytes(node.data[offset:offset + size]) if node else b""

    def write(self, path, data, offset, fh):
        with self.mutex:
            self.check()
            node = self.node_for(path, fh)
            if node is None:
                raise FuseOSError(errno.EBADF)
            if offset > len(node.data):
                node.data.extend(b"\0" * (offset - len(node.data)))
            node.data[offset:offset + len(data)] = data
            node.mtime = time.time()
            return len(data)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            self.check()
            node = self.node_for(path, fh)
            if length < len(node.data):
                del node.data[length:]
            else:
                node.data.extend(b"\0" * (length - len(node.data)))

    def fsync(self, path, datasync, fh):
        with self.mutex:
            self.check()
            ino = self.open_files.get(fh)
            if ino is None:
                ino = self.resolve(path)
            node = self.nodes.get(ino)
            if node is None:
                return 0
            durable = self.durable.setdefault(ino, Node(node.mode, node.uid, node.gid))
            durable.data = bytearray(node.data) if node.data is not None else None
            durable.mode, durable.uid, durable.gid, durable.mtime = node.mode, node.uid, node.gid, node.mtime
            self.syncs += 1
            return 0


def main():
    mountpoint, snapshot = sys.argv[1], sys.argv[2]
    fs = LossyFS(snapshot)

    FUSE(fs, mountpoint, foreground=True, nothreads=False, default_permissions=True, allow_other=False)


if __name__ == "__main__":
    main()
