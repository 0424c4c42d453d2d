import AragoraStore
import AragoraTestSupport
import Foundation
import Logging
import PostgresNIO

/// Every `DebateStore` implementation the conformance suite runs against.
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, memory
    /// PostgreSQL directly, and through PgBouncer in transaction mode (`scripts/test-services.sh` starts both).
    case postgres, pgbouncer

    var description: String { rawValue }

    /// The kinds this run can test: PostgreSQL ones when their URLs are set, or always under
    /// `ARAGORA_REQUIRE_SERVICES=1` (CI), where a missing service fails the tests instead of skipping them.
    static var available: [StoreKind] {
        allCases.filter { $0.serviceURL != nil || !$0.needsService || TestServices.required }
    }

    var needsService: Bool { self == .postgres || self == .pgbouncer }

    var serviceURL: String? {
        switch self {
        case .sqlite, .memory: return nil
        case .postgres: return TestServices.postgresURL
        case .pgbouncer: return TestServices.pgbouncerURL
        }
    }

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
        case .postgres, .pgbouncer:
            let url = try TestServices.url(serviceURL, named: rawValue)
            let database = try await TestServices.freshDatabase()
            guard case .postgres(var location) = try DatabaseLocation.parse(url, defaultSQLitePath: "") else {
                fatalError("not a postgres URL: \(url)")
            }
            location.database = database
            store = try PostgresDebateStore(location: location)
        }
        _ = try await store.migrate()
        return store
    }
}

/// The PostgreSQL servers of `scripts/test-services.sh` (AragoraTestSupport's `TestServices`), as the store tests
/// reach them.
extension TestServices {
    static var postgresURL: String? { environment["ARAGORA_TEST_POSTGRES_URL"] }
    static var pgbouncerURL: String? { environment["ARAGORA_TEST_PGBOUNCER_URL"] }

    static func url(_ url: String?, named name: String) throws -> String {
        guard let url else {
            throw Missing(description: "ARAGORA_TEST_\(name.uppercased())_URL is not set: run eval \"$(scripts/test-services.sh)\" first")
        }
        return url
    }

    /// A new, empty database on the PostgreSQL server, so each test starts from nothing; its name.
    static func freshDatabase() async throws -> String {
        databaseName(try freshDatabase(try url(postgresURL, named: "postgres")))
    }
}
