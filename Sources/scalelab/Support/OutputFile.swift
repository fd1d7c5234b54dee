import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one check of a file the user names for a command to write (`--out`, `--save-input`,
/// `--checkpoint`, …), made before any work, and the one way such a file is written.
///
/// It refuses, with a sentence saying what to fix: a path that is one of the command's inputs
/// (compared after resolving `.`, `..` and symlinks, and by device and inode, so a hard link is
/// caught too), two outputs naming the same file, a folder, a path whose folder does not exist
/// or is not a folder, and a folder that cannot be written.
enum OutputFile {
    /// A file a command reads, named by the option that gave it (`FILE`, `--store`, `--data`).
    struct Input {
        var option: String
        var path: String?
        init(_ option: String, _ path: String?) {
            self.option = option
            self.path = path
        }
    }

    /// Checks every output in `outputs` (option and path; nil paths are skipped) against the
    /// `inputs` and against each other. Throws a `CommandFailure` on the first problem.
    static func check(_ outputs: [(option: String, path: String?)], inputs: [Input]) throws {
        var seen: [(option: String, path: String)] = []
        for case let (option, path?) in outputs {
            try checkWritable(path)
            for input in inputs {
                guard let source = input.path, sameFile(path, source) else { continue }
                throw CommandFailure("\(option) \(path) is the input file \(source) (\(input.option)); writing it would "
                                     + "overwrite the input. Give another path for \(option)")
            }
            if let other = seen.first(where: { sameFile($0.path, path) }) {
                throw CommandFailure("\(other.option) and \(option) name the same file \(path); give each its own path")
            }
            seen.append((option, path))
        }
    }

    /// Writes `data` to `path` atomically; a failure is one sentence naming the file.
    static func write(_ data: Data, to path: String) throws {
        try checkWritable(path)
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            let why = reason(error)
            let hint = why == diskFull ? "; free some space on it, or give a path on another disk, and run again" : ""
            throw CommandFailure("cannot write \(path): \(why)\(hint)")
        }
    }

    /// Refuses a folder, a missing or non-folder parent, and a parent that cannot be written.
    static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw CommandFailure("an output path is empty; give a file path") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CommandFailure("cannot write \(path): it is a folder; give a file path")
        }
        let folder = parent(of: path)
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw CommandFailure("cannot write \(path): the folder \(folder) does not exist; create it or give another path")
        }
        guard isDirectory.boolValue else {
            throw CommandFailure("cannot write \(path): \(folder) is not a folder")
        }
        guard access(folder, W_OK) == 0 else {
            throw CommandFailure("cannot write \(path): the folder \(folder) is not writable")
        }
        if FileManager.default.fileExists(atPath: path), access(path, W_OK) != 0 {
            throw CommandFailure("cannot write \(path): the file is read-only")
        }
    }

    /// Whether `a` and `b` name one file: the same inode when both exist, else the same
    /// resolved path (folder resolved, then the name).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0, stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        return resolved(a) == resolved(b)
    }

    /// The absolute path with symlinks resolved as far as the file system has them.
    static func resolved(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let real = realPath(absolute) { return real }
        let folder = (absolute as NSString).deletingLastPathComponent
        let name = (absolute as NSString).lastPathComponent
        return ((realPath(folder) ?? folder) as NSString).appendingPathComponent(name)
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The folder a path's file is in (`.` for a bare name).
    static func parent(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// A file-system error in a few words, without Foundation's domain and code.
    static func reason(_ error: Error) -> String {
        let e = error as NSError
        let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError
        if e.code == NSFileWriteOutOfSpaceError || underlying?.code == Int(ENOSPC) { return diskFull }
        if let posix = underlying, posix.domain == NSPOSIXErrorDomain, let text = strerror(Int32(posix.code)) {
            return String(cString: text).lowercased()
        }
        switch e.code {
        case NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteVolumeReadOnlyError: return "the volume is read-only"
        default: return e.localizedDescription
        }
    }

    /// `reason` of a write that ran out of space.
    static let diskFull = "the disk is full"
}
