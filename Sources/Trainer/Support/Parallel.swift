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

/// Two splits in one hand-off: part i runs `rowBlock` on the i-th of `rowParts` blocks of
/// `0..<rows` and `channelBlock` on the i-th of `channelParts` blocks of `0..<channels` (for a
/// backward pass whose input gradient splits by rows and whose parameter gradient splits by
/// channel, with no data shared between the two halves).
@inline(__always)
func parallelRowsAndChannels(rows: Int, rowParts: Int, channels: Int, channelParts: Int,
                             _ rowBlock: (Range<Int>) -> Void, _ channelBlock: (Range<Int>) -> Void) {
    let parts = max(rowParts, channelParts)
    parallelChunks(parts, threads: parts) { ps in
        for i in ps {
            if i < rowParts { rowBlock(chunkRange(rows, parts: rowParts, index: i)) }
            if i < channelParts { channelBlock(chunkRange(channels, parts: channelParts, index: i)) }
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

/// A fixed set of helper threads that run the parts of one job at a time.
///
/// The caller and the helpers claim parts from a shared counter until none are left, so a helper
/// that the OS has not scheduled yet (another process busy on the machine) does not hold the
/// caller up: the caller runs the part itself. Which thread runs a part depends on timing, but
/// what a part computes does not (its chunk is fixed by `count`, `threads` and `minChunk`, and
/// parts write disjoint outputs), so results stay bitwise reproducible. Idle helpers spin
/// briefly, since a step's kernels follow each other within microseconds, then sleep on a
/// condition variable, so an idle pool costs no CPU. A job submitted while another is running
/// (from another thread, or from inside a part) runs its parts on the calling thread instead,
/// so nesting can never deadlock.
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
    /// The current job's ticket: `generation << 16 | parts << 8 | claimed` (parts < 256). One
    /// word, so a claim (a compare-and-swap) can only succeed for the job it read.
    private let ticket = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let lock = NSCondition()
    // Written by the caller before the ticket is published, read by a helper only after it has
    // claimed a part of that ticket (the caller cannot move on before that part is done).
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    /// Spin iterations (each a load) before a helper goes to sleep: a few hundred microseconds,
    /// longer than the serial stretches of a training step (sampling a batch, the embedding, the
    /// loss), so a helper is awake for the next kernel. With 20,000 (tens of microseconds) the
    /// machine made 10,000-37,000 context switches a second training d_model 64, and in two sets
    /// of 8 interleaved runs the median step was 3% and 8% slower.
    private static let spinLimit = 200_000

    private init(helpers: Int) {
        self.helpers = helpers
        for i in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.name = "scalelab-worker-\(i + 1)"
            thread.start()
        }
    }

    /// Runs `body(p)` for p in `0..<parts`, concurrently where helpers are free; returns when all are done.
    func run(parts: Int, _ body: @escaping (Int) -> Void) {
        guard parts > 1 else { if parts == 1 { body(0) }; return }
        precondition(parts < 256, "WorkerPool.run: \(parts) parts (at most 255)")
        guard parts - 1 <= helpers, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<parts { body(p) }
            return
        }
        job = body
        done.store(0, ordering: .relaxed)
        let generation = (ticket.load(ordering: .relaxed) >> 16) + 1
        ticket.store(generation << 16 | parts << 8, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            lock.lock(); lock.broadcast(); lock.unlock()
        }
        work(generation: generation)
        while done.load(ordering: .acquiring) < parts { }
        job = nil
        busy.store(false, ordering: .releasing)
    }

    /// Claims and runs parts of job `generation` until none are left.
    private func work(generation: Int) {
        var t = ticket.load(ordering: .acquiring)
        while t >> 16 == generation, t & 0xFF < (t >> 8) & 0xFF {
            let (claimed, now) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if claimed {
                job!(t & 0xFF)
                done.add(1, ordering: .releasing)
                t = ticket.load(ordering: .acquiring)
            } else {
                t = now
            }
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var g = ticket.load(ordering: .acquiring) >> 16, spins = 0
            while g == seen {
                spins += 1
                if spins >= Self.spinLimit {
                    lock.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while ticket.load(ordering: .sequentiallyConsistent) >> 16 == seen { lock.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    lock.unlock()
                    spins = 0
                }
                g = ticket.load(ordering: .acquiring) >> 16
            }
            seen = g
            work(generation: g)
        }
    }
}
