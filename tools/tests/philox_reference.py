"""Philox4x32-10 and Box-Muller in numpy, written from Random123's description (Salmon et al.,
SC'11) independently of kernels/philox.cuh: element i of a seed's stream of standard normals
is component i % 4 of the four normals of counter i // 4. Used to check that the engine's
seeded vocoder noise is this stream, sample for sample."""
import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
LOW = np.uint64(0xFFFFFFFF)


def philox4x32_10(counters, seed):
    """The four 32-bit words of each counter (uint64 array): counter (lo, hi, 0, 0), key (lo(seed), hi(seed))."""
    c = [counters & LOW, counters >> np.uint64(32), np.zeros_like(counters), np.zeros_like(counters)]
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(seed >> 32)
    for r in range(10):
        if r:
            k0, k1 = (k0 + np.uint64(W0)) & LOW, (k1 + np.uint64(W1)) & LOW
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & LOW, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & LOW]
    return c


def normals(seed, count, offset=0):
    """float32 normals [offset, offset + count) of the seed's stream."""
    first, last = offset // 4, (offset + count + 3) // 4
    words = philox4x32_10(np.arange(first, last, dtype=np.uint64), seed)
    u = [(w.astype(np.float64) + 0.5) * 2.0 ** -32 for w in words]
    out = np.empty((last - first, 4), np.float64)
    for k in (0, 2):
        radius = np.sqrt(-2.0 * np.log(u[k]))
        out[:, k], out[:, k + 1] = radius * np.cos(2 * np.pi * u[k + 1]), radius * np.sin(2 * np.pi * u[k + 1])
    return out.astype(np.float32).reshape(-1)[offset - 4 * first:offset - 4 * first + count]
