import Foundation
import XCTest
@testable import Trainer

final class ParallelTests: XCTestCase {
    /// Every index is visited exactly once, in the documented chunks, for many sizes and thread counts.
    func testChunksCoverTheRangeExactlyOnce() {
        for threads in [1, 2, 3, 4] {
            for count in [0, 1, 2, 3, 7, 64, 1001] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(1, count))
                hits.initialize(repeating: 0, count: max(1, count))
                defer { hits.deallocate() }
                parallelChunks(count, threads: threads) { range in for i in range { hits[i] += 1 } }
                XCTAssertEqual((0..<count).filter { hits[$0] != 1 }, [], "count \(count), threads \(threads)")
            }
        }
        XCTAssertEqual((0..<3).map { chunkRange(10, parts: 3, index: $0) }, [0..<4, 4..<7, 7..<10])
    }

    /// A parallel call from inside a part, and calls from several threads at once, finish (they run
    /// serially where the pool is busy) and still cover everything.
    func testNestedAndConcurrentCallsDoNotDeadlock() {
        let total = UnsafeMutablePointer<Int>.allocate(capacity: 4 * 100)
        total.initialize(repeating: 0, count: 400)
        defer { total.deallocate() }
        parallelChunks(4, threads: 2) { outer in
            for o in outer {
                parallelChunks(100, threads: 2) { inner in for i in inner { total[o * 100 + i] += 1 } }
            }
        }
        XCTAssertEqual((0..<400).filter { total[$0] != 1 }, [])

        nonisolated(unsafe) let sums = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        sums.initialize(repeating: 0, count: 8)
        defer { sums.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<200 {
                let part = UnsafeMutablePointer<Int>.allocate(capacity: 2)
                part.initialize(repeating: 0, count: 2)
                parallelChunks(1000, threads: 2) { r in part[r.lowerBound == 0 ? 0 : 1] = r.reduce(0, +) }
                sums[caller] += part[0] + part[1]
                part.deallocate()
            }
        }
        XCTAssertEqual((0..<8).map { sums[$0] }, Array(repeating: 200 * 499_500, count: 8))
    }

    /// An idle pool's helpers go to sleep and wake for the next job.
    func testPoolWakesAfterSleeping() {
        var a = [Int](repeating: 0, count: 64)
        a.withUnsafeMutableBufferPointer { p in parallelChunks(64, threads: 2) { r in for i in r { p[i] = i } } }
        Thread.sleep(forTimeInterval: 0.05)
        var b = [Int](repeating: 0, count: 64)
        b.withUnsafeMutableBufferPointer { p in parallelChunks(64, threads: 2) { r in for i in r { p[i] = 2 * i } } }
        XCTAssertEqual(a, Array(0..<64))
        XCTAssertEqual(b, (0..<64).map { 2 * $0 })
    }
}
