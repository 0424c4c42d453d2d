import AragoraStore
import Foundation
import Testing

@Suite struct SQLiteMigrationTests {
    @Test func migrationsApplyOnceInOrder() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-migrate-\(UUID().uuidString)/a.sqlite").path
        let store = try await SQLiteDebateStore.open(path: path)
        #expect(try await store.migrationState().pending == [1, 2, 3, 4, 5, 6, 7])
        #expect(try await store.migrate() == [1, 2, 3, 4, 5, 6, 7])
        #expect(try await store.migrate() == [])
        let state = try await store.migrationState()
        #expect(state.applied == [1, 2, 3, 4, 5, 6, 7])
        #expect(state.pending.isEmpty)
        try await store.close()
    }

    @Test func databaseURLsAreReadOrRefusedClearly() throws {
        #expect(try DatabaseLocation.parse(nil, defaultSQLitePath: "/d/a.sqlite") == .sqlite(path: "/d/a.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite:/x/y.sqlite", defaultSQLitePath: "") == .sqlite(path: "/x/y.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite:///x/y.sqlite", defaultSQLitePath: "") == .sqlite(path: "/x/y.sqlite"))
        #expect(try DatabaseLocation.parse("memory:", defaultSQLitePath: "") == .memory)
        #expect(throws: DatabaseURLError.self) { try DatabaseLocation.parse("mysql://u:secret@h/db", defaultSQLitePath: "") }
        do {
            _ = try DatabaseLocation.parse("mysql://u:secret@h/db", defaultSQLitePath: "")
        } catch {
            #expect(!error.description.contains("secret"), "no password in the error")
        }
    }
}
