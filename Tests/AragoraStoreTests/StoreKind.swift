import AragoraStore
import Foundation

/// Every `DebateStore` implementation the conformance suite runs against.
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, memory

    var description: String { rawValue }

    /// A fresh, migrated, empty store.
    func make() async throws -> any DebateStore {
        let store: any DebateStore
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("aragora-conformance-\(UUID().uuidString)/a.sqlite").path
            store = try await SQLiteDebateStore.open(path: path)
        case .memory:
            store = MemoryDebateStore()
        }
        _ = try await store.migrate()
        return store
    }
}
