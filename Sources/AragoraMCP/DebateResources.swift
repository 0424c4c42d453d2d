import AragoraCore
import AragoraDebates
import MCP

/// `aragora://debates/{id}` (the transcript as Markdown) and `aragora://debates/{id}/receipt` (the signed receipt
/// as JSON); `resources/list` names the recent debates the caller may read.
struct DebateResources: Sendable {
    let service: DebateService
    let access: MCPAccess

    static let prefix = "aragora://debates/"
    static let templates = [
        Resource.Template(uriTemplate: prefix + "{id}", name: "debate", title: "A debate's transcript",
                          description: "The question, every round's messages, critiques and votes, and the outcome, as Markdown.",
                          mimeType: "text/markdown"),
        Resource.Template(uriTemplate: prefix + "{id}/receipt", name: "receipt", title: "A debate's receipt",
                          description: "The Ed25519-signed receipt of a finished debate (verify it with verify_receipt).",
                          mimeType: "application/json"),
    ]

    func list() async throws -> ListResources.Result {
        let items: [(id: String, task: String)]
        switch access {
        case .everything: items = try await service.store.list(limit: 20, offset: 0, status: nil, matching: nil).items.map { ($0.id, $0.task) }
        case .debate(let id): items = try await service.store.record(id: id).map { [($0.id, $0.task)] } ?? []
        }
        return ListResources.Result(resources: items.map { item in
            Resource(name: item.id, uri: Self.prefix + item.id, title: String(item.task.prefix(120)), mimeType: "text/markdown")
        })
    }

    func read(_ uri: String) async throws -> ReadResource.Result {
        guard uri.hasPrefix(Self.prefix) else { throw MCPError.invalidParams("unknown resource \(uri) (aragora://debates/{id} or .../receipt)") }
        let rest = uri.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(rest.count), DebateID.isValid(rest[0]), rest.count == 1 || rest[1] == "receipt" else {
            throw MCPError.invalidParams("unknown resource \(uri) (aragora://debates/{id} or .../receipt)")
        }
        let id = rest[0]
        guard access.mayRead(id) else { throw MCPError.invalidParams(access.refusal("debate \(id)")) }
        // -32002: the code the MCP specification gives a resource that does not exist.
        guard let record = try await service.store.record(id: id) else { throw MCPError.serverError(code: -32002, message: "no debate \(id)") }
        if rest.count == 1 {
            return ReadResource.Result(contents: [.text(DebateExporter.markdown(record), uri: uri, mimeType: "text/markdown")])
        }
        guard let receipt = record.receipt else {
            throw MCPError.serverError(code: -32002, message: "debate \(id) has no receipt yet (status \(record.status.rawValue))")
        }
        return ReadResource.Result(contents: [.text(try receipt.jsonString(), uri: uri, mimeType: "application/json")])
    }
}
