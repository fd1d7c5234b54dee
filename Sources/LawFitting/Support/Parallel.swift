import Foundation

/// The number of cores to use by default: all of them.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// Result slots written by disjoint indices from several threads.
private struct Slots<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// `(0..<count).map(body)`, evaluated on `threads` threads. Work is interleaved
/// (thread t takes t, t+threads, …) so uneven items spread evenly; results keep their order.
func parallelMap<T>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let workers = max(1, min(threads, count))
    if workers == 1 { return (0..<count).map(body) }
    let slots = Slots(base: UnsafeMutablePointer<T>.allocate(capacity: count))
    defer { slots.base.deinitialize(count: count); slots.base.deallocate() }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        var i = worker
        while i < count {
            (slots.base + i).initialize(to: body(i))
            i += workers
        }
    }
    return Array(UnsafeBufferPointer(start: slots.base, count: count))
}

/// Seconds elapsed since `start`.
public func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start) / .seconds(1)
}
