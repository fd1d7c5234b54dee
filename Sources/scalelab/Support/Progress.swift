import Foundation

/// Progress of long steps, one line each on stderr (stdout stays the command's output):
/// `report: fitting chinchilla (200 bootstrap resamples)...`.
enum Progress {
    static func line(_ command: String, _ step: String) {
        FileHandle.standardError.write(Data("\(command): \(step)\n".utf8))
    }
}
