#if canImport(Glibc)
import Glibc
#endif

/// A zeroed float buffer for parameters, optimizer moments, activations or gradients, backed
/// by 2 MiB pages where the OS allows it. Release it with `deallocateFloats`.
///
/// A training step streams tens of MB of activations; with 4 KiB pages every 4 KiB it touches
/// needs its own TLB entry. On Linux a buffer of 2 MiB or more starts on a 2 MiB boundary and its
/// whole 2 MiB blocks are marked `MADV_HUGEPAGE` (transparent huge pages in `madvise` mode, the
/// Debian default); the partial block at its end keeps small pages, so no more memory becomes
/// resident than the buffer's size. Measured: +2–4% tokens/s at d_model 64, one or two threads.
func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    #if os(Linux)
    let bytes = max(1, count) * MemoryLayout<Float>.stride, block = 2 << 20
    var raw: UnsafeMutableRawPointer?
    let status = posix_memalign(&raw, bytes >= block ? block : 64, bytes)
    precondition(status == 0 && raw != nil, "allocateFloats: cannot allocate \(bytes) bytes (posix_memalign: \(status))")
    if bytes >= block { _ = madvise(raw, bytes / block * block, 14 /* MADV_HUGEPAGE */) }
    let p = raw!.bindMemory(to: Float.self, capacity: count)
    #else
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    #endif
    p.initialize(repeating: 0, count: count)
    return p
}

/// Frees a buffer from `allocateFloats`.
func deallocateFloats(_ p: UnsafeMutablePointer<Float>) {
    #if os(Linux)
    free(p)
    #else
    p.deallocate()
    #endif
}
