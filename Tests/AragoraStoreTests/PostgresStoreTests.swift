import AragoraCore
@testable import AragoraStore
import AragoraTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite("PostgreSQL location and migrations")
struct PostgresStoreTests {
    @Test func databaseURLsAreParsedLikeLibpq() throws {
        guard case .postgres(let l) = try DatabaseLocation.parse(
            "postgresql://app%40x:p%3Ass@[::1]:6543/aragora?sslmode=verify-full&sslrootcert=/etc/ca.pem", defaultSQLitePath: "")
        else { Issue.record("not postgres"); return }
        #expect(l.host == "::1" && l.port == 6543 && l.user == "app@x" && l.password == "p:ss" && l.database == "aragora")
        #expect(l.sslMode == .verifyFull && l.sslRootCert == "/etc/ca.pem")
        #expect(!l.description.contains("p:ss"), "no password in what is logged")
        guard case .postgres(let d) = try DatabaseLocation.parse("postgres://u@db.example.com", defaultSQLitePath: "") else { return }
        #expect(d.port == 5432 && d.database == "u" && d.sslMode == .prefer && d.password == nil)
        for bad in ["postgres://db.example.com/x", "postgres://u:p@h/x?sslmode=maybe", "postgres://u:p@h/x?sslrootcert=/ca.pem",
                    "postgres://u:p@h/x?application_name=y"] {
            #expect(throws: DatabaseURLError.self, "\(bad)") { _ = try DatabaseLocation.parse(bad, defaultSQLitePath: "") }
        }
    }

    /// Instances starting together migrate once: the advisory lock is transaction-scoped, so it also works
    /// through the transaction pooler.
    @Test(arguments: [StoreKind.postgres, .pgbouncer].filter(StoreKind.available.contains))
    func concurrentMigrationsApplyEachVersionOnce(_ kind: StoreKind) async throws {
        let url = try TestServices.url(kind.serviceURL, named: kind.rawValue)
        let database = try await TestServices.freshDatabase()
        guard case .postgres(var location) = try DatabaseLocation.parse(url, defaultSQLitePath: "") else { return }
        location.database = database
        let stores = try (0..<4).map { _ in try PostgresDebateStore(location: location) }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for store in stores { group.addTask { try await store.migrate() } }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == PostgresMigrations.all.map(\.version), "each version applied by exactly one")
        let state = try await stores[0].migrationState()
        #expect(state.pending.isEmpty && state.applied == PostgresMigrations.all.map(\.version))
        for store in stores { try await store.close() }
    }

    /// A server that accepts and never answers (a pooler waiting for its server does this for minutes).
    @Test func aSilentServerIsUnavailableWithinTheTimeout() async throws {
        let (listener, port) = Loopback.bind(listen: true)
        defer { close(listener) }
        guard case .postgres(let location) = try DatabaseLocation.parse(
            "postgres://u:p@127.0.0.1:\(port)/x?sslmode=disable", defaultSQLitePath: "", operationTimeout: 0.5) else { return }
        let store = try PostgresDebateStore(location: location)
        let start = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.ping() }
        await #expect(throws: StoreError.self) { _ = try await store.list(limit: 1, offset: 0, status: nil) }
        // Well above 2 x 0.5 s: the point is that they end (a busy machine may fire the timers late), not how fast.
        #expect(ContinuousClock.now - start < .seconds(20), "each answered after the operation timeout, not never")
        try await store.close()
    }

    /// A refused password is reported as such, directly and through PgBouncer, not as a timeout.
    @Test(arguments: [StoreKind.postgres, .pgbouncer].filter(StoreKind.available.contains))
    func aRefusedPasswordSaysSo(_ kind: StoreKind) async throws {
        let url = try TestServices.url(kind.serviceURL, named: kind.rawValue).replacingOccurrences(of: "aragora-test-password", with: "not-it")
        // The timeout only catches a hang: a busy two-core machine may take seconds to refuse a password.
        guard case .postgres(let location) = try DatabaseLocation.parse(url, defaultSQLitePath: "", operationTimeout: 60) else { return }
        let store = try PostgresDebateStore(location: location)
        do {
            try await store.ping()
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("postgres refused the connection:"), "\(error)")
            #expect("\(error)".contains("authentication failed"), "\(error)")
            #expect(!"\(error)".contains("not-it"))
        }
        try await store.close()
    }

    @Test func anUnreachableServerIsUnavailableNotACrash() async throws {
        guard case .postgres(let location) = try DatabaseLocation.parse(
            "postgres://u:p@127.0.0.1:1/x?sslmode=disable", defaultSQLitePath: "", operationTimeout: 0.5) else { return }
        let store = try PostgresDebateStore(location: location)
        let start = ContinuousClock.now
        do {
            try await store.ping()
            Issue.record("an unreachable server answered")
        } catch {
            #expect("\(error)".contains("nothing accepts connections at 127.0.0.1:1"), "\(error)")
        }
        await #expect(throws: StoreError.self) { _ = try await store.create(DebateStoreConformance.record("deb_x"), owner: "i", leaseSeconds: 5) }
        #expect(ContinuousClock.now - start < .seconds(20), "answered after the operation timeout, not never")
        try await store.close()
    }
}

/// Lease expiry on one clock: an instance whose clock runs 20 s ahead of the owner's takes nothing over while the
/// owner renews, and an owner whose clock runs 20 s behind still holds its leases for their whole lifetime.
@Suite("Leases on the database's clock")
struct LeaseClockTests {
    @Test(arguments: [StoreKind.postgres, .pgbouncer].filter(StoreKind.available.contains))
    func clockSkewBetweenInstancesTakesNothingOver(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Timestamp.now()
        let record = DebateStoreConformance.record("deb_skew_\(kind)")
        let lease = try await store.create(record, owner: "a", leaseSeconds: 5)
        // B's clock is 20 s ahead: by its own reckoning A's lease ran out 15 s ago.
        let ahead = now + 20
        #expect(try await store.claimable(reclaiming: nil, now: ahead, limit: 10).isEmpty)
        #expect(try await store.claim(id: record.id, owner: "b", leaseSeconds: 5, now: ahead) == nil)
        // A's clock is 20 s behind: its renewal must not set a lease that has already run out for everyone else.
        let renewal = try await store.renewLeases(owner: "a", held: [lease], leaseSeconds: 5, now: now - 20)
        #expect(renewal.lost.isEmpty)
        #expect(try await store.claim(id: record.id, owner: "b", leaseSeconds: 5, now: now) == nil)
        #expect(try await store.claimable(reclaiming: nil, now: now, limit: 10).isEmpty)
        try await store.close()
    }
}
