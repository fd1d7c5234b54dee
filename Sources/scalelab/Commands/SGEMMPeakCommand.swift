import ArgumentParser
import Foundation
import Lab
import Trainer

/// `scalelab sgemm-peak` (hidden): this machine's sgemm peak in FLOP/s, the MFU denominator.
///
/// `train` runs it as a child process: the 1024³ probe makes OpenBLAS touch several MB of work
/// space it never gives back (0.8 MB at n = 256, 6.7 MB at 1024 on the project's machine), which
/// would otherwise sit in every run's memory although training's own GEMMs never need it.
struct SGEMMPeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm-peak",
        abstract: "Print this machine's measured single-precision GEMM peak (FLOP/s).",
        shouldDisplay: false
    )

    @Option(help: "OpenBLAS threads.") var threads: Int = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() { print(measureSGEMMPeak(threads: threads)) }

    /// The peak measured by a child `scalelab sgemm-peak`; nil if the child cannot run or prints
    /// no positive number (the caller then measures in its own process).
    static func measureInChildProcess(threads: Int) -> Double? {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: WorkerCommand.currentExecutable())
        child.arguments = ["sgemm-peak", "--threads", "\(threads)"]
        let pipe = Pipe()
        child.standardOutput = pipe
        child.standardError = FileHandle.nullDevice
        guard (try? child.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0,
              let peak = Double(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              peak.isFinite, peak > 0 else { return nil }
        return peak
    }
}
