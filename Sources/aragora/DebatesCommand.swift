import AragoraDebates
import AragoraCore
import AragoraStore
import ArgumentParser
import Foundation
import Logging

/// `aragora debates --active`: the runbook's "High CPU: check active debates", read from the shared store, so it
/// shows every instance's debates: id, instance, age, phase, agents, question.
struct DebatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debates",
        abstract: "List debates from the store: --active shows those running or queued on any instance.")

    @Flag(help: "Only unfinished debates (created or running), wherever they run.")
    var active = false

    @Option(help: "How many at most.")
    var limit = 50

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let config = try await ConfigurationLoader.load()
        let store = try await config.database.open(logger: Logger(label: "aragora.debates"))
        let rows: [[String: JSONValue]], total: Int
        do {
            (rows, total) = try await read(store)
            try? await store.close()
        } catch {
            try? await store.close()
            throw error
        }
        if json {
            print(JSONValue.object(["debates": .array(rows.map(JSONValue.object)), "total": .int(total)]).serialized())
            return
        }
        print("\(total) \(active ? "active " : "")debate\(total == 1 ? "" : "s")\(total > rows.count ? ", showing \(rows.count)" : "")")
        for r in rows {
            let age = r["age_seconds"]?.intValue ?? 0
            let agents = r["agents"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""
            print([r["id"]!.stringValue!, r["status"]!.stringValue!, r["instance_id"]?.stringValue ?? "-", "\(age)s",
                   r["phase"]?.stringValue ?? "-", agents, String(r["task"]!.stringValue!.prefix(60))].joined(separator: "  "))
        }
    }

    /// The rows to show (each with its agents, read from its record) and how many debates there are in all.
    func read(_ store: any DebateStore) async throws -> ([[String: JSONValue]], Int) {
        let (items, total) = active ? try await store.active(limit: limit) : try await { let p = try await store.list(limit: limit, offset: 0, status: nil); return (p.items, p.total) }()
        let now = Timestamp.now()
        var rows: [[String: JSONValue]] = []
        for item in items {
            let agents = (try? await store.record(id: item.id))?.agents.map(\.name) ?? []
            rows.append(["id": .string(item.id), "status": .string(item.status.rawValue), "instance_id": JSONValue(item.owner),
                         "age_seconds": .int(Int(now - item.createdAt)), "phase": JSONValue(item.phase), "agents": JSONValue(agents),
                         "task": .string(item.task)])
        }
        return (rows, total)
    }
}
