import AragoraTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest

/// A small W3C WebDriver client for headless Chromium through chromedriver, both on this machine (Debian's
/// `chromium` and `chromium-driver`, installed by `scripts/test-services.sh`). Enough to drive the web page as a
/// user would: open, type, click, read text, run a script, take a screenshot.
final class WebDriver: @unchecked Sendable {
    let base: URL
    let session: String
    private let driver: Process

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// chromedriver on a free loopback port, and one browser session with a window of `width` x `height`.
    static func start(width: Int, height: Int) async throws -> WebDriver {
        let env = ProcessInfo.processInfo.environment
        let driverPath = env["ARAGORA_TEST_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        let browserPath = env["ARAGORA_TEST_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: driverPath), FileManager.default.isExecutableFile(atPath: browserPath) else {
            let why = "\(driverPath) or \(browserPath) missing: scripts/test-services.sh installs chromium and chromium-driver"
            try TestServices.skipOrFail(why)
            throw Failure(description: why)
        }
        let port = Loopback.freePort()
        // Foundation starts it as the leader of a process group of its own, which the browsers it starts join, so
        // `quit` can stop all of them even when the session could not be closed.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: driverPath)
        p.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let base = URL(string: "http://127.0.0.1:\(port)")!
        var ready = false
        var lastError = "no answer"
        for _ in 0..<100 where !ready {
            do {
                let status = try await raw("GET", base.appendingPathComponent("status"))
                ready = (status["value"] as? [String: Any])?["ready"] as? Bool == true
                if !ready { lastError = "\(status)" }
            } catch {
                lastError = "\(error)"
            }
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard ready else { await stop(p); throw Failure(description: "chromedriver did not start on port \(port): \(lastError)") }
        var options: [String: Any] = ["binary": browserPath,
                                      "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                               "--window-size=\(max(width, 500)),\(height)", "--hide-scrollbars"]]
        // A headless window is at least 500 px wide: narrower screens are emulated as a phone.
        if width < 500 { options["mobileEmulation"] = ["deviceMetrics": ["width": width, "height": height, "pixelRatio": 1, "touch": true]] }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": ["browser": "ALL"],
        ]]]
        do {
            let created = try await raw("POST", base.appendingPathComponent("session"), capabilities)
            guard let id = (created["value"] as? [String: Any])?["sessionId"] as? String else { throw Failure(description: "no session: \(created)") }
            return WebDriver(base: base, session: id, driver: p)
        } catch {
            await stop(p)
            throw error
        }
    }

    private init(base: URL, session: String, driver: Process) {
        self.base = base
        self.session = session
        self.driver = driver
    }

    func quit() async {
        _ = try? await call("DELETE", "")
        await Self.stop(driver)
    }

    /// Stops chromedriver's whole process group (the browsers too) and reaps it: SIGTERM, then SIGKILL if it is
    /// still there after 5 s.
    static func stop(_ p: Process) async {
        let group = -p.processIdentifier
        kill(group, SIGTERM)
        for _ in 0..<50 where !groupMembers(p.processIdentifier).isEmpty { try? await Task.sleep(for: .milliseconds(100)) }
        kill(group, SIGKILL)
        for _ in 0..<50 where p.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
    }

    /// Processes still alive in the group chromedriver led (nothing after `quit`).
    var leftovers: [Int32] { Self.groupMembers(driver.processIdentifier) }

    static func groupMembers(_ pgid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // Fields after the command: state, ppid, pgrp. A zombie (state Z) is a process not reaped yet.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == pgid
        }
    }

    // MARK: Commands

    func open(_ url: String) async throws { _ = try await call("POST", "/url", ["url": url]) }

    /// The first element matching `css`, or nil.
    func find(_ css: String) async throws -> String? {
        try await findAll(css).first
    }

    func findAll(_ css: String) async throws -> [String] {
        let value = try await call("POST", "/elements", ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { $0.values.first as? String }
    }

    func click(_ element: String) async throws { _ = try await call("POST", "/element/\(element)/click", [:]) }
    func type(_ element: String, _ text: String) async throws { _ = try await call("POST", "/element/\(element)/value", ["text": text]) }
    func clear(_ element: String) async throws { _ = try await call("POST", "/element/\(element)/clear", [:]) }
    func text(_ element: String) async throws -> String { try await call("GET", "/element/\(element)/text") as? String ?? "" }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its result.
    func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await call("POST", "/execute/sync", ["script": script, "args": args])
    }

    /// Runs `script` as an async function body (it may `await`) and returns what it returns.
    func executeAsync(_ script: String, _ args: [Any] = []) async throws -> Any? {
        let wrapped = "const done = arguments[arguments.length - 1]; (async () => { \(script) })().then(done, (e) => done('error: ' + e));"
        return try await call("POST", "/execute/async", ["script": wrapped, "args": args])
    }

    /// Emulates the user's colour scheme preference (`dark` or `light`) through the DevTools protocol.
    func prefersColorScheme(_ scheme: String) async throws {
        _ = try await call("POST", "/goog/cdp/execute", ["cmd": "Emulation.setEmulatedMedia",
                                                          "params": ["features": [["name": "prefers-color-scheme", "value": scheme]]]])
    }

    /// The text of an open `alert()`, or nil when none is open.
    func alertText() async -> String? {
        try? await call("GET", "/alert/text") as? String
    }

    func resize(width: Int, height: Int) async throws { _ = try await call("POST", "/window/rect", ["width": width, "height": height]) }

    func screenshot(to path: String) async throws {
        guard let b64 = try await call("GET", "/screenshot") as? String, let png = Data(base64Encoded: b64) else {
            throw Failure(description: "no screenshot")
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try png.write(to: URL(fileURLWithPath: path))
    }

    /// Console messages of level SEVERE since the last call (script errors, CSP violations, failed loads).
    func severeConsoleMessages() async throws -> [String] {
        let entries = try await call("POST", "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.filter { $0["level"] as? String == "SEVERE" }.compactMap { $0["message"] as? String }
    }

    /// Polls `condition` every 50 ms until it returns a value, for at most `seconds`.
    func wait<T>(_ what: String, seconds: Double = 15, _ condition: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try await condition() { return value }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "timed out after \(seconds) s waiting for \(what)")
    }

    /// The text of the first element matching `css` once it is not empty.
    func waitForText(_ css: String, seconds: Double = 15, where accept: (String) -> Bool = { !$0.isEmpty }) async throws -> String {
        try await wait("text of \(css)", seconds: seconds) {
            guard let e = try await self.find(css) else { return nil }
            let t = try await self.text(e)
            return accept(t) ? t : nil
        }
    }

    // MARK: Wire

    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let url = URL(string: base.absoluteString + "/session/\(session)" + path)!
        let reply = try await Self.raw(method, url, body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(method) \(path): \(error): \(value["message"] as? String ?? "")")
        }
        return reply["value"] as Any?
    }

    private static func raw(_ method: String, _ url: URL, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .RAW(value: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
