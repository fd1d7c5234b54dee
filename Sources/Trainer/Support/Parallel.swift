import Foundation
import Synchronization

/// Runs `body` over `0..<count` split into at most `threads` contiguous chunks, concurrently.
///
/// Chunk boundaries depend only on `count`, `threads` and `minChunk`, never on timing, so a kernel
/// whose chunks write disjoint outputs gives bitwise the same result on every run with the same
/// thread count. With one chunk the body runs on the calling thread. The chunks go to a
/// persistent `WorkerPool` (a training step makes ~50 such calls of a few microseconds each;
/// `DispatchQueue.concurrentPerform` costs tens of microseconds a call to wake its threads).
@inline(__always)
func parallelChunks(_ count: Int, threads: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(threads, count / max(1, minChunk)))
    if parts == 1 { body(0..<count); return }
    // The callers' closures capture raw buffer pointers and write disjoint chunks; that
    // disjointness, not the type system, is what makes sharing them across threads safe.
    withoutActuallyEscaping(body) { escapable in
        WorkerPool.shared(threads: parts).run(parts: parts) { p in escapable(chunkRange(count, parts: parts, index: p)) }
    }
}

/// The `index`-th of `parts` contiguous, nearly equal ranges covering `0..<count`.
@inline(__always)
func chunkRange(_ count: Int, parts: Int, index: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}

/// A fixed set of helper threads that run the parts of one job at a time.
///
/// The caller runs part 0 and helper `i` runs part `i + 1` (a static assignment: which thread runs
/// a part never depends on timing). Idle helpers spin briefly, since a step's kernels follow each
/// other within microseconds, then sleep on a condition variable, so an idle pool costs no CPU.
/// A job submitted while another is running (from another thread, or from inside a part) runs
/// its parts on the calling thread instead, so nesting can never deadlock.
final class WorkerPool: @unchecked Sendable {
    private static let registry = Mutex<[Int: WorkerPool]>([:])

    /// The process-wide pool with `threads − 1` helpers, created on first use.
    static func shared(threads: Int) -> WorkerPool {
        registry.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(helpers: threads - 1)
            pools[threads] = pool
            return pool
        }
    }

    private let helpers: Int
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let lock = NSCondition()
    // Written by the caller before `generation` is released, read by helpers after acquiring it.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var parts = 0
    /// Spin iterations (each a load) before a helper goes to sleep: some tens of microseconds.
    private static let spinLimit = 20_000

    private init(helpers: Int) {
        self.helpers = helpers
        for i in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop(index: i) }
            thread.name = "scalelab-worker-\(i + 1)"
            thread.start()
        }
    }

    /// Runs `body(p)` for p in `0..<parts`, concurrently where helpers are free; returns when all are done.
    func run(parts: Int, _ body: @escaping (Int) -> Void) {
        guard parts > 1 else { if parts == 1 { body(0) }; return }
        guard parts - 1 <= helpers, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<parts { body(p) }
            return
        }
        job = body
        self.parts = parts
        pending.store(helpers, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            lock.lock(); lock.broadcast(); lock.unlock()
        }
        body(0)
        while pending.load(ordering: .acquiring) > 0 { }
        job = nil
        busy.store(false, ordering: .releasing)
    }

    private func helperLoop(index: Int) {
        var seen = 0
        while true {
            var g = generation.load(ordering: .acquiring), spins = 0
            while g == seen {
                spins += 1
                if spins >= Self.spinLimit {
                    lock.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { lock.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    lock.unlock()
                    spins = 0
                }
                g = generation.load(ordering: .acquiring)
            }
            seen = g
            if index + 1 < parts, let job { job(index + 1) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
