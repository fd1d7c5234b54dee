import Dispatch
import Foundation
import Trainer

/// Turns signals into a clean stop: while `body` runs, each of `signals` (SIGINT, SIGTERM…) no
/// longer kills the process but sets the `StopRequest` it is given, which the training loop and
/// the runner poll (the trainer then checkpoints and writes an `interrupted` record; the runner
/// passes SIGINT on to its workers). Afterwards the default actions are restored.
///
/// Each signal is set to `SIG_IGN` first, so its default action (terminate) can no longer run,
/// and a dispatch source reports it instead; used by `train` and `worker` (SIGINT, through
/// `TrainExecution`) and by `ladder run` and `demo` (SIGINT and SIGTERM, through `LadderExecution`).
enum Interrupts {
    static func stoppingOn<T>(_ signals: [Int32], _ body: (StopRequest) throws -> T) rethrows -> T {
        let stop = StopRequest()
        let sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { stop.request() }
            source.resume()
            return source
        }
        defer {
            sources.forEach { $0.cancel() }
            signals.forEach { signal($0, SIG_DFL) }
        }
        return try body(stop)
    }
}
