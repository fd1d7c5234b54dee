import Foundation

// `scalelab-fuzz TARGET [libFuzzer options] [CORPUS_DIR | FILE ...]`: runs libFuzzer on one of
// the targets in Targets.swift. Files instead of folders are replayed once each (how
// scripts/fuzz.sh runs the regressions). libFuzzer's own `main` is not used: SwiftPM names this
// file's entry point for the executable, so the driver is started from here.

/// libFuzzer's entry point for programs that have their own `main` (compiler-rt, FuzzerDriver.cpp).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: scalelab-fuzz TARGET [libFuzzer options] [CORPUS_DIR | FILE ...]\ntargets: \(names)\n".utf8))
    exit(2)
}

// libFuzzer reads argv itself; the target's name is taken out, the program's name stays.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var cStrings: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
var argc = CInt(driverArguments.count)
let status = cStrings.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv = buffer.baseAddress!
    return LLVMFuzzerRunDriver(&argc, &argv, target.callback)
}
exit(status)
