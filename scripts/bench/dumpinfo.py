"""Facts about a dump file the harness needs before timing anything."""
import struct


def pt_loads(path):
    """(paddr, memsz) of every PT_LOAD of an ELF64 core; [] if not ELF."""
    with open(path, "rb") as f:
        eh = f.read(64)
        if len(eh) < 64 or eh[:4] != b"\x7fELF" or eh[4] != 2:
            return []
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        if phentsize < 56 or phnum > 65535:
            return []
        f.seek(phoff)
        out = []
        for _ in range(phnum):
            ph = f.read(phentsize)
            if len(ph) < 56:
                break
            if struct.unpack_from("<I", ph, 0)[0] == 1:
                out.append((struct.unpack_from("<Q", ph, 24)[0],
                            struct.unpack_from("<Q", ph, 40)[0]))
        return out


def mem_bytes(path):
    """Bytes of memory an ELF dump describes, each physical range once."""
    seen, total = set(), 0
    for paddr, size in pt_loads(path):
        if paddr not in seen:
            seen.add(paddr)
            total += size
    return total
