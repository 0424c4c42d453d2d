import AragoraCore
import AragoraDebates
import AragoraMCP
import ArgumentParser
import Dispatch
import Foundation
import Logging
import MCP
import Synchronization

/// `aragora mcp`: the MCP server over stdio, for a client that starts it (Claude Desktop, Claude Code, editors).
/// stdout carries only the protocol; logs go to stderr.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the panel to an MCP client over stdio (Claude Desktop, Claude Code, editors).",
        discussion: """
            Tools: debate, get_debate, search_debates, cancel_debate, follow_up, verify_receipt, list_agents, \
            leaderboard. Resources: aragora://debates/{id} (Markdown) and aragora://debates/{id}/receipt (JSON). \
            Debates are stored like any other (ARAGORA_DATABASE_URL, else SQLite in the data directory). When the \
            client closes stdin, debates still running are finished first; SIGTERM instead checkpoints them, and the \
            next aragora mcp or serve on the same store resumes them. Claude Code: claude mcp add aragora -- aragora mcp
            """)

    func run() async throws {
        var config = try await ConfigurationLoader.load()
        // Its own owner id: a service on this host must not take these debates for its own while this one runs.
        config.instanceID += "/mcp-\(getpid())"
        var logger = Logger(label: "aragora.mcp") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let metrics = ServiceMetrics()
        let factory = try ProviderAgents.load(config, metrics: metrics)
        let service: DebateService
        do { service = try await DebateService.make(configuration: config, factory: factory, metrics: metrics, logger: logger) } catch {
            Terminal.errorLine("error: cannot open the store (\(config.database)): \(error)")
            throw CLIExit(code: 1)
        }
        do { try await service.resumeUnfinished() } catch {
            logger.warning("could not resume unfinished debates", metadata: ["error": "\(error)"])
        }
        let transport = TrackedTransport(StdioTransport(logger: logger), logger: logger)
        let server = await AragoraMCPServer.make(service: service, access: .everything, transport: transport)
        let stop = StopSignal()
        try await server.start(transport: transport)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.waitUntilCompleted() }
            group.addTask { await stop.wait() }
            await group.next()
            // A signal: end the message loop, which a cancelled waiter does not (the group waits for both).
            if stop.received { await server.stop() }
            group.cancelAll()
        }
        // stdin closed: answer what was asked, then finish the debates still running unless told to stop now.
        if !stop.received {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await transport.idle() }
                group.addTask { await stop.wait() }
                await group.next()
                group.cancelAll()
            }
            let running = service.runner.stats.active + service.runner.stats.queued
            if running > 0 { logger.notice("stdin closed: finishing \(running) running debate(s); SIGTERM checkpoints them instead") }
            while !stop.received && service.runner.stats.active + service.runner.stats.queued > 0 {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await server.stop()
        await service.shutdown()
    }
}

/// SIGTERM or SIGINT, once: the process should stop now (running debates are checkpointed by the shutdown).
final class StopSignal: Sendable {
    private final class Flag: Sendable {
        let value = Mutex(false)
    }

    /// Held only to keep the sources alive (a Mutex, since a dispatch source is not Sendable).
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let stream: AsyncStream<Void>
    private let flag = Flag()

    init() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        let flag = flag
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                flag.value.withLock { $0 = true }
                continuation.yield()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = Mutex(sources)
    }

    var received: Bool { flag.value.withLock { $0 } }

    func wait() async {
        for await _ in stream { return }
    }
}
