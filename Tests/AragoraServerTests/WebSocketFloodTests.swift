import AragoraCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// The replay amplification of the second hardening pass: sockets holding a token for one debate send a megabyte of
/// unsubscribe/subscribe pairs and close. The server must close them with 1008 after its message allowance, and
/// be idle again (CPU time no longer growing) and back near its memory within seconds of them closing.
final class WebSocketFloodTests: XCTestCase {
    func testASubscribeFloodIsCutOffAndLeavesNothingRunning() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-flood-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, port) = try ServerProcess.start(try ServerProcess.binary(), dataDir: dir,
                                                     extra: ["ARAGORA_DEMO_LATENCY_MS": "0"])
        defer { server.stopAndWait() }
        let pid = server.processIdentifier
        // A finished debate with a long history: every replay costs the store read and the serialisation of it.
        let id = try await HTTP.createDebate(port: port, body: #"{"question":"Flood me?","rounds":5,"early_stop":false}"#)
        try await HTTP.waitUntilFinished(port: port, id: id)
        // Warm the server's caches and pools with one honest replay, then take the baseline.
        let warm = try WebSocketRaw(port: port)
        warm.sendText(#"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#)
        _ = warm.readFrames(until: { $0.contains("replay_end") })
        warm.close()
        try await Task.sleep(for: .milliseconds(500))
        let rssBefore = ProcStat.rssKB(pid)

        var pair = ""
        while pair.utf8.count < 250_000 {
            pair += "{\"type\":\"unsubscribe\",\"debate_id\":\"\(id)\"}" + "\u{1}"
            pair += "{\"type\":\"subscribe\",\"debate_id\":\"\(id)\",\"replay_from_seq\":0}" + "\u{1}"
        }
        let messages = pair.split(separator: "\u{1}").map(String.init)
        // Four sockets write about 250 KB each, as fast as the kernel takes it, and close without reading a reply.
        for _ in 0..<4 {
            let socket = try WebSocketRaw(port: port)
            socket.sendFrames(messages)
            socket.close()
        }
        // Idle again within 2 s of the sockets closing: CPU time then stops growing.
        try await Task.sleep(for: .seconds(2))
        let cpuAt2 = ProcStat.cpuSeconds(pid)
        try await Task.sleep(for: .seconds(2))
        let busy = ProcStat.cpuSeconds(pid) - cpuAt2
        let rssAfter = ProcStat.rssKB(pid)
        print("flood: \(String(format: "%.2f", busy)) CPU-s used from 2 to 4 s after the sockets closed; RSS \(rssBefore) KB before, \(rssAfter) KB after")
        XCTAssertLessThan(busy, 0.2, "the server kept working for closed sockets: \(busy) CPU-s in 2 s")
        XCTAssertLessThanOrEqual(Double(rssAfter), Double(rssBefore) * 1.10,
                                 "RSS \(rssBefore) KB before, \(rssAfter) KB after the flood")
        // A flooding socket that stays to read is closed for policy violation once past its allowance.
        let reader = try WebSocketRaw(port: port)
        reader.sendFrames(messages)
        XCTAssertEqual(reader.readCloseCode(), 1008, "closed for policy violation")
        reader.close()

        // The server still answers, and a fresh connection replays the debate once more.
        let again = try WebSocketRaw(port: port)
        again.sendText(#"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#)
        again.sendText(#"{"type":"unsubscribe","debate_id":"\#(id)"}"#)
        again.sendText(#"{"type":"subscribe","debate_id":"\#(id)","replay_from_seq":0}"#)
        let frames = again.readFrames(until: { $0.contains("already_replayed") })
        again.close()
        XCTAssertEqual(frames.filter { $0.contains("\"replay_start\"") }.count, 1, "one replay per debate per connection")
        XCTAssertTrue(frames.contains { $0.contains("already_replayed") })
    }
}

/// Reads a process's CPU time and resident memory from /proc.
enum ProcStat {
    static func fields(_ pid: Int32) -> [Substring] {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return [] }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// User + system CPU seconds used so far.
    static func cpuSeconds(_ pid: Int32) -> Double {
        let f = fields(pid)
        guard f.count > 12, let user = Double(f[11]), let system = Double(f[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func rssKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// A WebSocket client written out by hand over a plain socket, for what a polite client library will not do:
/// write a megabyte of frames without reading a reply, then close.
struct WebSocketRaw {
    let connection: RawConnection

    init(port: Int, headers: [String: String] = [:]) throws {
        connection = try RawConnection(port: port)
        var head = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        connection.send(head + "\r\n")
        // The 101 head, then frames.
        var got: [UInt8] = []
        while !got.ends(with: Array("\r\n\r\n".utf8)) {
            guard let b = connection.readByte(within: 30) else { throw WSError.handshake(String(decoding: got, as: UTF8.self)) }
            got.append(b)
        }
        let text = String(decoding: got, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 101") else { throw WSError.handshake(text) }
    }

    enum WSError: Error { case handshake(String) }

    /// A masked text frame, as a client must send.
    static func frame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        var f: [UInt8] = [0x81]
        if payload.count < 126 { f.append(0x80 | UInt8(payload.count)) } else {
            f.append(0x80 | 126)
            f += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        f += mask
        for (i, b) in payload.enumerated() { f.append(b ^ mask[i % 4]) }
        return f
    }

    func sendText(_ text: String) { connection.send(bytes: Self.frame(text)) }
    func sendFrames(_ texts: [String]) { connection.send(bytes: texts.flatMap(Self.frame)) }

    /// The next frame: opcode and payload; nil when the connection closed or nothing came within 30 s.
    func readFrame() -> (opcode: UInt8, payload: [UInt8])? {
        guard let b0 = connection.readByte(within: 30), let b1 = connection.readByte(within: 30) else { return nil }
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard let h = connection.read(2, within: 30) else { return nil }
            length = Int(h[0]) << 8 | Int(h[1])
        } else if length == 127 {
            guard let h = connection.read(8, within: 30) else { return nil }
            length = h.reduce(0) { $0 << 8 | Int($1) }
        }
        guard let payload = connection.read(length, within: 30) else { return nil }
        return (b0 & 0x0F, payload)
    }

    /// Text frames until one satisfies `last`, a close frame, or the end of the connection.
    func readFrames(until last: (String) -> Bool) -> [String] {
        var texts: [String] = []
        while let (opcode, payload) = readFrame(), opcode != 0x8 {
            guard opcode == 0x1 else { continue }
            let text = String(decoding: payload, as: UTF8.self)
            texts.append(text)
            if last(text) { break }
        }
        return texts
    }

    /// Reads past every other frame to the server's close frame; its code.
    func readCloseCode() -> UInt16? {
        while let (opcode, payload) = readFrame() {
            if opcode == 0x8 { return payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil }
        }
        return nil
    }

    func close() { connection.close() }
}

extension RawConnection {
    func readByte(within seconds: Double) -> UInt8? { read(1, within: seconds)?.first }

    /// Exactly `count` bytes, or nil when the connection ends or they do not arrive within `seconds` (a hang).
    func read(_ count: Int, within seconds: Double) -> [UInt8]? {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: count)
        while out.count < count {
            guard Date() < deadline else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = recv(fd, &buffer, count - out.count, 0)
            if n <= 0 { return nil }
            out += buffer[0..<n]
        }
        return out
    }
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

/// Plain HTTP calls to a server process.
enum HTTP {
    static func request(port: Int, _ method: String, _ path: String, body: String? = nil) async throws -> (Int, JSONValue) {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = method
        if let body {
            r.httpBody = Data(body.utf8)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, JSONValue.parse(String(decoding: data, as: UTF8.self)) ?? .null)
    }

    static func createDebate(port: Int, body: String) async throws -> String {
        let (status, json) = try await request(port: port, "POST", "/api/debates", body: body)
        XCTAssertEqual(status, 200, "\(json)")
        return try XCTUnwrap(json["debate_id"]?.stringValue)
    }

    /// Polls until the debate's status is terminal (a 120 s deadline catches a hang).
    static func waitUntilFinished(port: Int, id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let (_, json) = try await request(port: port, "GET", "/api/debates/\(id)")
            if let s = json["status"]?.stringValue.flatMap(DebateStatus.init(rawValue:)), s.isTerminal { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("debate \(id) did not finish")
    }
}
