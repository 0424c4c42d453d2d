import AragoraDebates
import Dispatch
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the service until SIGTERM or SIGINT, with a drain: at the first signal `/readyz` answers 503 at once, so a
/// load balancer stops sending new requests, while the instance goes on serving for `ARAGORA_DRAIN_SECONDS`; then
/// the graceful shutdown (stop accepting, checkpoint running debates, give their leases up, exit 0). A second
/// signal cuts the drain short. This is what lets a rolling restart behind a load balancer lose no request.
public func runServing(_ service: ServerContext) async throws {
    let app = buildApplication(service: service)
    let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: service.logger))
    let drain = service.config.drainSeconds
    let received = Mutex(0)
    var sources: [any DispatchSourceSignal] = []
    for number in [SIGTERM, SIGINT] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            let count = received.withLock { n -> Int in
                n += 1
                return n
            }
            service.ready.withLock { $0 = false }
            if count == 1, drain > 0 {
                service.logger.info("draining: not ready, still serving", metadata: ["seconds": "\(drain)"])
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(drain * 1000)))
                    await group.triggerGracefulShutdown()
                }
            } else {
                Task { await group.triggerGracefulShutdown() }
            }
        }
        source.resume()
        sources.append(source)
    }
    defer { sources.forEach { $0.cancel() } }
    try await group.run()
}
