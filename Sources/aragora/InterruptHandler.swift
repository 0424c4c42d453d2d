import Foundation

/// Stops the work on Ctrl-C (saying what it does); a second Ctrl-C exits at once.
final class InterruptHandler {
    private let source: any DispatchSourceSignal

    init(_ doing: String = "cancelling the debate", _ onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            Terminal.errorLine("\ninterrupted: \(doing) (Ctrl-C again to quit now)")
            signal(SIGINT, SIG_DFL)
            onInterrupt()
        }
        source.resume()
        self.source = source
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
