import AragoraCore
import AragoraStore
import Foundation
import Testing

/// What every `DebateStore` must do, run against each implementation (`StoreKind`).
@Suite("DebateStore conformance")
struct DebateStoreConformance {
    static let engine = DebateEngine(agents: DemoAgent.defaultPersonas.map { DemoAgent(name: "demo-\($0)", persona: $0) },
                                     config: DebateConfig(rounds: 2, consensus: .majority, seed: 5))

    static func record(_ id: String, createdAt: Double = Timestamp.now()) -> DebateRecord {
        engine.newRecord(id: id, question: "Stored \(id)?", createdAt: createdAt)
    }

    static func event(_ id: String, _ seq: Int) -> DebateEvent {
        DebateEvent(type: .roundStart, data: ["n": .int(seq)], timestamp: 1, round: 1, agent: nil, seq: seq, agentSeq: nil, loopID: id)
    }

    @Test(arguments: StoreKind.available)
    func createReadBackAndRefuseDuplicates(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let r = Self.record("deb_a")
        let lease = try await store.create(r, owner: "i1", leaseSeconds: 30)
        #expect(lease == DebateLease(debateID: "deb_a", owner: "i1", fence: 1))
        #expect(try await store.record(id: "deb_a") == r)
        let bytes = try #require(try await store.recordJSON(id: "deb_a"))
        #expect(try DebateRecord.decode(Data(bytes)) == r, "the stored JSON is the record's Codable shape")
        await #expect(throws: StoreError.duplicate("deb_a")) { _ = try await store.create(r, owner: "i2", leaseSeconds: 30) }
        #expect(try await store.record(id: "deb_missing") == nil)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func aWholeDebateRoundTrips(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let r = Self.record("deb_run")
        let lease = try await store.create(r, owner: "i1", leaseSeconds: 30)
        let persisted = PersistedDebate(store: store, lease: lease)
        let outcome = await persisted.run(Self.engine, from: DebateCheckpoint(starting: r))
        #expect(!outcome.leaseLost)
        let changes = try await persisted.finish(outcome.record, unsaved: outcome.unsaved)
        #expect(try await store.record(id: "deb_run") == outcome.record)
        let events = try await store.events(id: "deb_run", since: 0, limit: 10_000)
        #expect(events.map(\.seq) == Array(1...events.count), "every event, in order, without gaps")
        #expect(events.last?.type == .debateEnd)
        #expect(try await store.events(id: "deb_run", since: 3, limit: 2).map(\.seq) == [4, 5])
        #expect(outcome.record.status == .completed)
        #expect(changes.count == 3, "a completed debate rates every panelist")
        let ratings = try await store.ratings(for: outcome.record.agents.map(\.name))
        for c in changes {
            #expect(ratings[c.agent]?.rating == c.after, "\(c.agent) moved by its change")
            #expect(ratings[c.agent]?.debates == 1)
        }
        try await store.recordMatch(debateID: "deb_run", changes: changes)  // the same debate again changes nothing
        #expect(try await store.ratings(for: outcome.record.agents.map(\.name)) == ratings)
        try await store.close()
    }

    /// `matching` finds text anywhere in the question, ignoring case; `%` and `_` are literal, not wildcards.
    @Test(arguments: StoreKind.available)
    func listingSearchesQuestionText(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let questions = ["Should we adopt Rust?", "Is 100% test coverage worth it?", "Rust or Go for the CLI?", "snake_case or camelCase?"]
        for (i, q) in questions.enumerated() {
            _ = try await store.create(Self.engine.newRecord(id: "deb_q\(i)", question: q, createdAt: 1000 + Double(i)), owner: "i1", leaseSeconds: 30)
        }
        let rust = try await store.list(limit: 10, offset: 0, status: nil, matching: "rUsT")
        #expect(rust.items.map(\.id) == ["deb_q2", "deb_q0"])
        #expect(rust.total == 2)
        #expect(try await store.list(limit: 10, offset: 0, status: nil, matching: "100%").items.map(\.id) == ["deb_q1"])
        #expect(try await store.list(limit: 10, offset: 0, status: nil, matching: "%").items.map(\.id) == ["deb_q1"])
        #expect(try await store.list(limit: 10, offset: 0, status: nil, matching: "e_c").items.map(\.id) == ["deb_q3"])
        #expect(try await store.list(limit: 10, offset: 0, status: nil, matching: "_").total == 1)
        #expect(try await store.list(limit: 10, offset: 0, status: .completed, matching: "Rust").total == 0)
        #expect(try await store.list(limit: 1, offset: 1, status: .created, matching: "rust").items.map(\.id) == ["deb_q0"])
        #expect(try await store.list(limit: 10, offset: 0, status: nil, matching: "").total == 4, "empty text: no filter")
        try await store.close()
    }

    /// A search counts up to `DebatePage.countLimit` matches and says when it stopped; its pages stay exact at
    /// any offset, whichever way the store finds them (index for few matches, newest rows first for many).
    @Test(arguments: StoreKind.available)
    func aBroadSearchCountsUpToTheLimitAndPagesExactly(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let broad = DebatePage.countLimit + 2
        for i in 0..<broad {
            let q = i % 2 == 0 ? "Should we adopt plan \(i)?" : "Plan \(i): ADOPT it, should we?"
            _ = try await store.create(Self.engine.newRecord(id: "deb_b\(i)", question: q, createdAt: 1000 + Double(i)), owner: "i1", leaseSeconds: 30)
        }
        _ = try await store.create(Self.engine.newRecord(id: "deb_n0", question: "A narrow question", createdAt: 5000), owner: "i1", leaseSeconds: 30)
        let first = try await store.list(limit: 3, offset: 0, status: nil, matching: "we adopt")
        #expect(first.items.map(\.id) == ["deb_b\(broad - 2)", "deb_b\(broad - 4)", "deb_b\(broad - 6)"])
        #expect(first.total == (broad + 1) / 2 && first.totalIsExact, "\((broad + 1) / 2) matches: under the limit, counted")
        let all = try await store.list(limit: 3, offset: 0, status: nil, matching: "adopt")
        #expect(all.items.map(\.id) == ["deb_b\(broad - 1)", "deb_b\(broad - 2)", "deb_b\(broad - 3)"])
        #expect(all.total == DebatePage.countLimit && !all.totalIsExact)
        let last = try await store.list(limit: 5, offset: broad - 2, status: .created, matching: "ADOPT")
        #expect(last.items.map(\.id) == ["deb_b1", "deb_b0"], "the last page of a search past the limit")
        let narrow = try await store.list(limit: 5, offset: 0, status: nil, matching: "narrow")
        #expect(narrow.items.map(\.id) == ["deb_n0"] && narrow.total == 1 && narrow.totalIsExact)
        let everything = try await store.list(limit: 1, offset: 0, status: nil)
        #expect(everything.total == broad + 1 && everything.totalIsExact, "no search: every debate counted")
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func listingFiltersPagesAndCountsActiveDebates(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        var leases: [DebateLease] = []
        for i in 0..<5 { leases.append(try await store.create(Self.record("deb_\(i)", createdAt: 1000 + Double(i)), owner: "i1", leaseSeconds: 30)) }
        var done = Self.record("deb_2", createdAt: 1002)
        done.status = .completed
        try await store.save(done, progress: nil, events: [], lease: leases[2])
        let page = try await store.list(limit: 2, offset: 1, status: nil)
        #expect(page.total == 5)
        #expect(page.items.map(\.id) == ["deb_3", "deb_2"], "newest first")
        #expect(try await store.list(limit: 10, offset: 0, status: .completed).items.map(\.id) == ["deb_2"])
        let active = try await store.active(limit: 2)
        #expect(active.total == 4, "total counts every unfinished debate, not just the page")
        #expect(active.items.map(\.id) == ["deb_4", "deb_3"])
        // Who runs each unfinished debate, since when, and where it is (from its last checkpoint).
        #expect(active.items.allSatisfy { $0.owner == "i1" && ($0.ownedSince ?? 0) > 0 })
        #expect(active.items[0].phase == nil, "no checkpoint yet")
        let progress = DebateCheckpoint(starting: Self.record("deb_4", createdAt: 1004)).progress
        try await store.save(Self.record("deb_4", createdAt: 1004), progress: progress, events: [], lease: leases[4])
        #expect(try await store.active(limit: 1).items.first?.phase == progress.phaseDescription)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func leasesAreClaimedOnlyWhenFreeExpiredOrOwn(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Timestamp.now()
        let first = try await store.create(Self.record("deb_l", createdAt: now), owner: "i1", leaseSeconds: 30)
        #expect(try await store.claim(id: "deb_l", owner: "i2", leaseSeconds: 30, now: now) == nil, "held and not expired")
        #expect(try await store.claimable(reclaiming: "i2", now: now, limit: 10).isEmpty)
        #expect(try await store.claimable(reclaiming: nil, now: now, limit: 10).isEmpty)
        #expect(try await store.claimable(reclaiming: "i1", now: now, limit: 10).map(\.record.id) == ["deb_l"], "a restarted owner takes its own back")
        // Expired on every clock (PostgreSQL decides on its own, whatever `now` says): renewed with a negative life.
        _ = try await store.renewLeases(owner: "i1", held: [first], leaseSeconds: -1, now: now)
        let later = Timestamp.now()
        #expect(try await store.claimable(reclaiming: nil, now: later, limit: 10).map(\.record.id) == ["deb_l"])
        let taken = try #require(try await store.claim(id: "deb_l", owner: "i2", leaseSeconds: 30, now: later))
        #expect(taken.fence == 2, "every claim raises the fence")
        #expect(try await store.claim(id: "deb_l", owner: "i3", leaseSeconds: 30, now: later) == nil)
        try await store.release(taken)
        #expect(try await store.claim(id: "deb_l", owner: "i3", leaseSeconds: 30, now: later)?.fence == 3, "a released lease is free at once")
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func writesUnderALostLeaseAreRefusedAndChangeNothing(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Timestamp.now()
        var r = Self.record("deb_f", createdAt: now)
        let old = try await store.create(r, owner: "i1", leaseSeconds: -1)  // expired at once, on every clock
        let new = try #require(try await store.claim(id: "deb_f", owner: "i2", leaseSeconds: 30, now: Timestamp.now()))
        r.status = .running
        r.roundsUsed = 1
        await #expect(throws: StoreError.leaseLost("deb_f")) {
            try await store.save(r, progress: nil, events: [Self.event("deb_f", 1)], lease: old)
        }
        #expect(try await store.record(id: "deb_f")?.status == .created)
        #expect(try await store.events(id: "deb_f", since: 0, limit: 10).isEmpty)
        try await store.save(r, progress: nil, events: [Self.event("deb_f", 1)], lease: new)
        #expect(try await store.record(id: "deb_f")?.roundsUsed == 1)
        try await store.close()
    }

    /// Many saves at once (written together where the store batches them): each is fenced on its own, a stale
    /// lease among them refuses that save only, and every held one lands with its events.
    @Test(arguments: StoreKind.available)
    func concurrentSavesAreFencedOneByOne(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Timestamp.now()
        var leases: [DebateLease] = []
        for i in 0..<40 { leases.append(try await store.create(Self.record("deb_c\(i)", createdAt: now), owner: "i1", leaseSeconds: 30)) }
        try await store.release(leases[7])
        _ = try #require(try await store.claim(id: "deb_c7", owner: "i2", leaseSeconds: 30, now: now))  // deb_c7's lease is stale
        let held = leases
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<40 {
                group.addTask {
                    var r = Self.record("deb_c\(i)", createdAt: now)
                    r.status = .running
                    r.roundsUsed = i % 3 + 1
                    do {
                        try await store.save(r, progress: nil, events: [Self.event(r.id, 1), Self.event(r.id, 2)], lease: held[i])
                        return (i, true)
                    } catch { return (i, false) }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.map(\.key) == [7])
        for i in 0..<40 where i != 7 {
            #expect(try await store.record(id: "deb_c\(i)")?.roundsUsed == i % 3 + 1)
            #expect(try await store.events(id: "deb_c\(i)", since: 0, limit: 10).map(\.seq) == [1, 2])
        }
        #expect(try await store.record(id: "deb_c7")?.status == .created)
        #expect(try await store.events(id: "deb_c7", since: 0, limit: 10).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func aDeletedDebateStaysDeletedEventsIncluded(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        var r = Self.record("deb_d")
        let lease = try await store.create(r, owner: "i1", leaseSeconds: 30)
        try await store.save(r, progress: nil, events: [Self.event("deb_d", 1)], lease: lease)
        #expect(try await store.delete(id: "deb_d"))
        r.status = .completed
        // The runner's final save arrives after the delete: refused, nothing comes back.
        await #expect(throws: StoreError.leaseLost("deb_d")) {
            try await store.save(r, progress: nil, events: [Self.event("deb_d", 2)], lease: lease)
        }
        #expect(try await store.record(id: "deb_d") == nil)
        #expect(try await store.events(id: "deb_d", since: 0, limit: 10).isEmpty)
        #expect(try await store.delete(id: "deb_d") == false)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func renewalReportsLostLeasesAndCancelRequests(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Timestamp.now()
        let a = try await store.create(Self.record("deb_ra", createdAt: now), owner: "i1", leaseSeconds: 30)
        let b = try await store.create(Self.record("deb_rb", createdAt: now), owner: "i1", leaseSeconds: -1)  // expired at once
        #expect(try await store.requestCancel(id: "deb_ra") == .requested)
        _ = try await store.claim(id: "deb_rb", owner: "i2", leaseSeconds: 30, now: Timestamp.now())
        // Renewed with a negative life: deb_ra's lease runs out on every clock.
        let renewal = try await store.renewLeases(owner: "i1", held: [a, b], leaseSeconds: -1, now: Timestamp.now())
        #expect(renewal == LeaseRenewal(lost: ["deb_rb"], cancelRequested: ["deb_ra"]))
        let orphaned = try await store.claimable(reclaiming: nil, now: Timestamp.now(), limit: 10)
        #expect(orphaned.first { $0.record.id == "deb_ra" }?.cancelRequested == true, "a taker learns of the cancel request")
        // Renewed: nobody else may claim it within the new lease.
        _ = try await store.renewLeases(owner: "i1", held: [a], leaseSeconds: 30, now: Timestamp.now())
        #expect(try await store.claim(id: "deb_ra", owner: "i2", leaseSeconds: 30, now: Timestamp.now()) == nil)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func finishingReleasesTheLeaseAndEndsCancellation(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        var r = Self.record("deb_t")
        let lease = try await store.create(r, owner: "i1", leaseSeconds: 30)
        r.status = .cancelled
        try await store.save(r, progress: nil, events: [], lease: lease)
        #expect(try await store.requestCancel(id: "deb_t") == .alreadyFinished(.cancelled))
        #expect(try await store.requestCancel(id: "deb_nope") == .notFound)
        #expect(try await store.claimable(reclaiming: "i1", now: Timestamp.now() + 100, limit: 10).isEmpty)
        #expect(try await store.claim(id: "deb_t", owner: "i2", leaseSeconds: 30, now: Timestamp.now() + 100) == nil)
        #expect(try await store.active(limit: 10).total == 0)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func checkpointsResumeWhereTheyStopped(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        var r = Self.record("deb_c")
        let lease = try await store.create(r, owner: "i1", leaseSeconds: 30)
        r.status = .running
        let progress = DebateCheckpoint.Progress(round: 2, step: .vote, active: ["demo-skeptic", "demo-visionary"],
                                                 consecutiveFailures: ["demo-pragmatist": 2], seq: 17, agentSeq: ["demo-skeptic": 5])
        try await store.save(r, progress: progress, events: [], lease: lease)
        let unfinished = try await store.claimable(reclaiming: "i1", now: Timestamp.now(), limit: 10)
        #expect(unfinished.count == 1)
        #expect(unfinished.first?.checkpoint == DebateCheckpoint(record: r, progress: progress))
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func leaderboardOrdersByRating(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.recordMatch(debateID: "m1", changes: [
            EloRating.Change(agent: "a", before: 1500, after: 1516, outcome: .win),
            EloRating.Change(agent: "b", before: 1500, after: 1484, outcome: .loss),
        ])
        try await store.recordMatch(debateID: "m2", changes: [EloRating.Change(agent: "b", before: 1484, after: 1484, outcome: .draw)])
        let board = try await store.leaderboard(limit: 10)
        #expect(board.map(\.agent) == ["a", "b"])
        #expect(board.last == AgentRating(agent: "b", rating: 1484, wins: 0, losses: 1, draws: 1, debates: 2))
        try await store.close()
    }

    /// Many writers at once (group commit): each outcome is its own; a failing write does not sink the others.
    @Test(arguments: StoreKind.available)
    func concurrentWritesSucceedOrFailOnTheirOwn(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<60 {
                // Every third id repeats an earlier one: those creates must fail, the rest succeed.
                let id = i % 3 == 2 ? "deb_w\(i - 1)" : "deb_w\(i)"
                group.addTask { (try? await store.create(Self.record(id), owner: "i1", leaseSeconds: 30)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 40)
        #expect(try await store.list(limit: 100, offset: 0, status: nil).total == 40)
        try await store.close()
    }

    @Test(arguments: StoreKind.available)
    func aClosedStoreRefusesWork(_ kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.close()
        await #expect(throws: StoreError.unavailable("the store is closed (shutting down)")) { try await store.ping() }
        await #expect(throws: StoreError.self) { _ = try await store.create(Self.record("deb_x"), owner: "i1", leaseSeconds: 30) }
    }
}
