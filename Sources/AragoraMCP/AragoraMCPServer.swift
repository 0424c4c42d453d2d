import AragoraCore
import AragoraDebates
import Foundation
import Logging
import MCP

/// Builds the SDK's `Server` with Aragora's tools and resources for one caller: the stdio process's user, or one
/// HTTP request (the HTTP transport is stateless, so each POST gets its own).
public enum AragoraMCPServer {
    public static let instructions = """
        Aragora runs a panel of AI agents that debate a question (propose, critique, revise, vote) and returns the \
        final answer with its confidence, the dissent and a signed receipt. Use `debate` for a question worth several \
        views; it returns status running with a debate id when it takes longer than wait_seconds: then call \
        get_debate with that id.
        """

    /// `transport` also carries the progress notifications of this caller's tool calls.
    public static func make(service: DebateService, access: MCPAccess, transport: any Transport) async -> Server {
        let server = Server(name: "aragora", version: AragoraVersion.current, title: "Aragora", instructions: instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let tools = AragoraTools(service: service, access: access) { [weak transport] params in
            guard let transport, let data = try? encoder.encode(ProgressNotification.message(params)) else { return }
            try? await transport.send(data)
        }
        let catalog = ToolCatalog.tools(maxRounds: service.config.maxRounds)
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: catalog) }
        await server.withMethodHandler(CallTool.self) { params in try await tools.call(params) }
        let resources = DebateResources(service: service, access: access)
        await server.withMethodHandler(ListResources.self) { _ in try await resources.list() }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in ListResourceTemplates.Result(templates: DebateResources.templates) }
        await server.withMethodHandler(ReadResource.self) { params in try await resources.read(params.uri) }
        return server
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
