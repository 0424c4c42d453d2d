@testable import AragoraRedis
import AragoraTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Synchronization
import Testing

@Suite("RESP codec and Redis URLs")
struct RESPCodecTests {
    @Test func valuesParseWhenCompleteAndOnlyThen() throws {
        let wire = "*4\r\n+OK\r\n:-42\r\n$5\r\nhe\r\nl\r\n*2\r\n$-1\r\n-ERR nope\r\n"
        let bytes = Array(wire.utf8)
        for cut in 0..<bytes.count {
            var partial = ByteBuffer(bytes: bytes[..<cut])
            #expect(try RESPCodec.decode(&partial) == nil, "incomplete at \(cut)")
            #expect(partial.readableBytes == cut, "nothing consumed")
        }
        var whole = ByteBuffer(bytes: bytes + Array("+NEXT\r\n".utf8))
        #expect(try RESPCodec.decode(&whole) == .array([
            .simpleString("OK"), .integer(-42), .bulkString(Array("he\r\nl".utf8)), .array([.bulkString(nil), .error("ERR nope")]),
        ]))
        #expect(try RESPCodec.decode(&whole) == .simpleString("NEXT"))
        var bad = ByteBuffer(string: "?what\r\n")
        #expect(throws: RedisError.self) { try RESPCodec.decode(&bad) }
        var huge = ByteBuffer(string: "*99999999999\r\n")
        #expect(throws: RedisError.self) { try RESPCodec.decode(&huge) }
    }

    @Test func commandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPCodec.encode(["SET", "k", "vé"], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nvé\r\n")
    }

    @Test func urls() throws {
        let upstash = try RedisURL("rediss://default:s3cr%40t@eu1-x.upstash.io:6380")
        #expect(upstash.tls && upstash.user == "default" && upstash.password == "s3cr@t" && upstash.port == 6380 && upstash.database == 0)
        #expect(!upstash.description.contains("s3cr"))
        let plain = try RedisURL("redis://:pw@[::1]/3")
        #expect(plain.host == "::1" && plain.user == nil && plain.password == "pw" && plain.database == 3 && !plain.tls)
        for bad in ["http://x", "redis://h/abc", "redis://"] { #expect(throws: RedisError.self) { _ = try RedisURL(bad) } }
        #expect(throws: RedisError.self, "a CA file needs TLS") { _ = try RedisURL("redis://h", caFile: "/ca.pem") }
    }
}

/// Against the real redis-server of `scripts/test-services.sh` (plain and TLS, with a password).
@Suite("Redis client against redis-server", .serialized)
struct RedisClientTests {
    static let env = ProcessInfo.processInfo.environment
    static var available: Bool { TestServices.available("ARAGORA_TEST_REDIS_URL") }

    static func url(_ key: String = "ARAGORA_TEST_REDIS_URL", caFile: String? = nil) throws -> RedisURL {
        guard let raw = env[key] else { throw RedisError("\(key) is not set: run eval \"$(scripts/test-services.sh)\"") }
        return try RedisURL(raw, caFile: caFile)
    }

    @Test(.enabled(if: available)) func commandsPipelineInOrder() async throws {
        let client = RedisClient(url: try Self.url())
        defer { client.close() }
        let key = "t:\(UUID().uuidString)"
        let replies = try await client.pipeline((1...200).map { _ in ["INCR", key] })
        #expect(replies.map(\.int) == (1...200).map { $0 }, "replies match their commands, in order")
        #expect(try await client.send(["GET", key]).string == "200")
        _ = try await client.send(["DEL", key])
        #expect(try await client.ping() < .seconds(15), "a round trip, not a hang")
    }

    @Test(.enabled(if: available)) func scriptsRunByDigestAndFallBackToTheirSource() async throws {
        let client = RedisClient(url: try Self.url())
        defer { client.close() }
        let script = RedisScript("return {KEYS[1], ARGV[1], '\(UUID().uuidString)'}")
        _ = try await client.send(["SCRIPT", "FLUSH"])
        let first = try await client.eval(script, keys: ["k"], arguments: ["a"]).check()
        #expect(first.array?.prefix(2).map(\.string) == ["k", "a"])
        #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]).array?.first?.int == 1, "cached by the fallback")
        #expect(try await client.eval(script, keys: ["k2"], arguments: ["b"]).array?.first?.string == "k2")
    }

    @Test(.enabled(if: available)) func aWrongPasswordIsReportedAsSuch() async throws {
        var url = try Self.url()
        url.password = "wrong"
        let client = RedisClient(url: url)
        defer { client.close() }
        do {
            _ = try await client.ping()
            Issue.record("a wrong password was accepted")
        } catch let error as RedisError {
            #expect(error.code == "WRONGPASS", "\(error)")
        }
    }

    @Test(.enabled(if: available)) func tlsVerifiesTheServerAgainstThePrivateCA() async throws {
        let ca = Self.env["ARAGORA_TEST_REDIS_CA_FILE"]
        let good = RedisClient(url: try Self.url("ARAGORA_TEST_REDIS_TLS_URL", caFile: ca))
        defer { good.close() }
        #expect(try await good.send(["PING"]).string == "PONG")
        for caFile in [Self.env["ARAGORA_TEST_REDIS_OTHER_CA_FILE"], nil] {
            let refused = RedisClient(url: try Self.url("ARAGORA_TEST_REDIS_TLS_URL", caFile: caFile))
            defer { refused.close() }
            await #expect(throws: RedisError.self, "a certificate from an unknown CA is refused (CA file: \(caFile ?? "none"))") {
                _ = try await refused.send(["PING"])
            }
        }
    }

    @Test(.enabled(if: available)) func pubSubDeliversInOrder() async throws {
        let received = Mutex<[String]>([])
        let url = try Self.url()
        let channel = "c:\(UUID().uuidString)"
        let subscriber = RedisSubscriber(url: url, onMessage: { _, payload in received.withLock { $0.append(String(decoding: payload, as: UTF8.self)) } })
        subscriber.start()
        defer { subscriber.stop() }
        try await Self.eventually { (try? await subscriber.subscribe(channel)) != nil }
        let publisher = RedisClient(url: url)
        defer { publisher.close() }
        _ = try await publisher.pipeline((0..<1000).map { ["PUBLISH", channel, String($0)] })
        try await Self.eventually { received.withLock { $0.count } == 1000 }
        #expect(received.withLock { $0 } == (0..<1000).map(String.init))
    }

    /// A real restart of a server of the test's own: commands fail while it is down, then work again.
    @Test(.enabled(if: available)) func theClientReconnectsAfterTheServerRestarts() async throws {
        let port = Loopback.freePort()
        var server = try Self.startRedis(port: port)
        let client = RedisClient(url: try RedisURL("redis://127.0.0.1:\(port)"), timeout: .seconds(1))
        defer { client.close() }
        try await Self.eventually { (try? await client.ping()) != nil }
        _ = try await client.send(["SET", "k", "1"]).check()
        try await Self.stop(server)
        await #expect(throws: (any Error).self) { _ = try await client.send(["GET", "k"]) }
        server = try Self.startRedis(port: port)
        defer { kill(server.processIdentifier, SIGKILL) }
        try await Self.eventually { (try? await client.ping()) != nil }
        #expect(try await client.send(["GET", "k"]).isNull, "a new server, and a working connection to it")
    }

    static func startRedis(port: Int) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        p.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Stops a server and waits for it to be gone (`Process.waitUntilExit` would spin a run loop here).
    static func stop(_ server: Process) async throws {
        kill(server.processIdentifier, SIGKILL)
        try await eventually { !server.isRunning }
    }

    static func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met within \(seconds) s")
    }
}
