import Synchronization

/// A flag another thread (a SIGINT handler) sets to ask the training loop to stop after the
/// current step, write a checkpoint and return a record marked `interrupted`.
public final class StopRequest: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .relaxed) }
    public var isRequested: Bool { flag.load(ordering: .relaxed) }
}
