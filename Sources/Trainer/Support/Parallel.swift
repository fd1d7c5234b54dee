import Dispatch

/// Runs `body` over `0..<count` split into at most `threads` contiguous chunks, concurrently.
///
/// Chunk boundaries depend only on `count`, `threads` and `minChunk`, never on timing, so a kernel
/// whose chunks write disjoint outputs gives bitwise the same result on every run with the same
/// thread count. With one chunk the body runs on the calling thread.
@inline(__always)
func parallelChunks(_ count: Int, threads: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(threads, count / max(1, minChunk)))
    if parts == 1 { body(0..<count); return }
    // The callers' closures capture raw buffer pointers and write disjoint chunks; that
    // disjointness, not the type system, is what makes sharing them across threads safe.
    withoutActuallyEscaping(body) { escapable in
        nonisolated(unsafe) let work = escapable
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            work(chunkRange(count, parts: parts, index: p))
        }
    }
}

/// The `index`-th of `parts` contiguous, nearly equal ranges covering `0..<count`.
@inline(__always)
func chunkRange(_ count: Int, parts: Int, index: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}
