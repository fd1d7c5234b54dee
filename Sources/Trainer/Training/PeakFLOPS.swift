import CBLAS
import Dispatch

/// Sets the thread count OpenBLAS uses for every following `cblas_sgemm`.
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// This machine's single-precision GEMM throughput (FLOP/s): the best of `repeats` timed
/// n×n×n `cblas_sgemm` calls (2n³ FLOPs each) with `threads` OpenBLAS threads. The MFU of a run
/// is its achieved training FLOP/s divided by this.
public func measureSGEMMPeak(threads: Int, n: Int = 1024, repeats: Int = 5) -> Double {
    setBLASThreads(threads)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.01; b[i] = Float(i % 5) * 0.01; c[i] = 0 }
    var best = Double.infinity
    for _ in 0..<repeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                    1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    return 2 * Double(n * n * n) / best
}
