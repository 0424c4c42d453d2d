import AragoraCore
@testable import AragoraServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// The web page in a real browser (headless Chromium) against a real `aragora serve`: what a new user does,
/// at 1440 and 375 pixels wide. Screenshots go to `.build/artifacts/web/` (ARAGORA_TEST_ARTIFACTS), not to git.
final class WebPageTests: XCTestCase {
    static let artifacts = ProcessInfo.processInfo.environment["ARAGORA_TEST_ARTIFACTS"] ?? ".build/artifacts/web"

    /// A server whose demo agents take `latency` ms per reply (so a debate can be watched), and a browser.
    func withPage(width: Int, height: Int, latency: Int = 300, extra: [String: String] = [:],
                  _ body: (WebDriver, String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aragora-web-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ["ARAGORA_DEMO_LATENCY_MS": "\(latency)"]
        env.merge(extra) { _, b in b }
        let (server, port) = try ServerProcess.start(try ServerProcess.binary(), dataDir: dir, extra: env)
        defer { server.stopAndWait() }
        let browser = try await WebDriver.start(width: width, height: height)
        do {
            try await body(browser, "http://127.0.0.1:\(port)")
            let severe = try await browser.severeConsoleMessages()
            XCTAssertEqual(severe, [], "no script errors, CSP violations or failed loads in the console")
        } catch {
            try? await browser.screenshot(to: "\(Self.artifacts)/failure-\(name.filter { $0.isLetter }).png")
            await browser.quit()
            throw error
        }
        await browser.quit()
        XCTAssertEqual(browser.leftovers, [], "chromedriver and its browsers are stopped and reaped")
    }

    func count(_ browser: WebDriver, _ css: String) async throws -> Int {
        try await browser.execute("return document.querySelectorAll(arguments[0]).length", [css]) as? Int ?? -1
    }

    func hash(_ browser: WebDriver) async throws -> String {
        try await browser.execute("return location.hash") as? String ?? ""
    }

    /// Waits for the form (its default panel checked), types the question, sets the rounds when given, presses Start.
    func submitForm(_ browser: WebDriver, question: String, rounds: Int? = nil) async throws {
        _ = try await browser.wait("the default panel") { try await self.count(browser, "#agent-list input:checked") == 3 ? true : nil }
        let questionField = try await browser.find("#question")
        try await browser.type(try XCTUnwrap(questionField), question)
        if let rounds {
            let found = try await browser.find("#rounds")
            let roundsField = try XCTUnwrap(found)
            try await browser.clear(roundsField)
            try await browser.type(roundsField, "\(rounds)")
        }
        let start = try await browser.find("#start")
        try await browser.click(try XCTUnwrap(start))
    }

    /// Fills the form and starts a debate; returns its id.
    func startDebate(_ browser: WebDriver, question: String, rounds: Int) async throws -> String {
        try await submitForm(browser, question: question, rounds: rounds)
        let h = try await browser.wait("the debate's page") { () -> String? in
            let h = try await self.hash(browser)
            return h.hasPrefix("#/debate/deb_") ? h : nil
        }
        return String(h.dropFirst("#/debate/".count))
    }

    func testANewUserStartsFollowsAndReviewsADebate() async throws {
        try await withPage(width: 1440, height: 1000) { browser, base in
            try await browser.open(base + "/")
            let question = "Should we adopt a four-day work week?"
            let id = try await startDebate(browser, question: question, rounds: 2)
            // Text streams in: an answer is shown while it is being written.
            let partial = try await browser.wait("an answer being written") {
                try await browser.execute("""
                    const t = document.querySelector('.answer.streaming .text'); return t && t.textContent.length > 0 ? t.textContent : null
                    """) as? String
            }
            XCTAssertFalse(partial.isEmpty)
            try await browser.screenshot(to: "\(Self.artifacts)/live-1440.png")
            // The final answer, then the whole record with a receipt checked in the browser.
            let verdict = try await browser.waitForText("#receipt-result", seconds: 30) { $0.hasPrefix("✓") || $0.hasPrefix("✗") }
            XCTAssertTrue(verdict.hasPrefix("✓"), verdict)
            let finalAnswer = try await browser.waitForText(".final-answer")
            XCTAssertTrue(finalAnswer.contains("four-day work week"), finalAnswer)
            let title = try await browser.waitForText("h1.question")
            XCTAssertEqual(title, question)
            let rounds = try await count(browser, "section.round")
            XCTAssertEqual(rounds, 2)
            let votes = try await count(browser, "table.votes tbody tr")
            XCTAssertGreaterThanOrEqual(votes, 3)
            let critiques = try await count(browser, "li.critique")
            XCTAssertGreaterThanOrEqual(critiques, 6)
            let usageRows = try await count(browser, "section.card table tbody tr")
            XCTAssertGreaterThanOrEqual(usageRows, 3)
            // The Open Decision Receipt downloads as a file, and the public key that checks it is one link away.
            let odr = try await browser.executeAsync("""
                const original = URL.createObjectURL;
                const made = new Promise((resolve) => { URL.createObjectURL = (blob) => { resolve(blob); return original(blob); }; });
                document.querySelector('#receipt-odr').click();
                const blob = await made;
                URL.createObjectURL = original;
                const key = await (await fetch(document.querySelector('#receipt-key').getAttribute('href'))).text();
                return [await blob.text(), key];
                """) as? [String] ?? []
            let odrDoc = JSONValue.parse(odr.first ?? "")
            XCTAssertEqual(odrDoc?["odr_version"], "0.2", "\(odr)")
            XCTAssertEqual(odrDoc?["receipt_id"]?.stringValue, id)
            XCTAssertTrue(odr.last?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true, "\(odr)")
            try await browser.screenshot(to: "\(Self.artifacts)/finished-1440.png")
            try await browser.resize(width: 1440, height: 5000)
            try await browser.screenshot(to: "\(Self.artifacts)/finished-whole-1440.png")
            try await browser.resize(width: 1440, height: 1000)

            // Found again by searching the list, and opened from it.
            try await browser.open(base + "/#/debates?q=FOUR-DAY")
            let link = try await browser.wait("the search result") { try await browser.find("#results a[href='#/debate/\(id)']") }
            let listed = try await count(browser, "#results tbody tr")
            XCTAssertEqual(listed, 1)
            try await browser.screenshot(to: "\(Self.artifacts)/list-1440.png")
            try await browser.click(link)
            let reopened = try await browser.waitForText("#receipt-result") { $0.hasPrefix("✓") }
            XCTAssertTrue(reopened.hasPrefix("✓"))
            try await browser.open(base + "/#/debates?q=no+such+words")
            let none = try await browser.waitForText("#results")
            XCTAssertEqual(none, "No debate matches.")

            // The leaderboard has the three demo agents.
            try await browser.open(base + "/#/leaderboard")
            _ = try await browser.wait("leaderboard rows") { try await self.count(browser, "#leaderboard tbody tr") >= 3 ? true : nil }
            try await browser.screenshot(to: "\(Self.artifacts)/leaderboard-1440.png")
        }
    }

    func testCancelAtPhoneWidth() async throws {
        try await withPage(width: 375, height: 812, latency: 400) { browser, base in
            try await browser.open(base + "/")
            let wide = try await browser.execute("return document.documentElement.scrollWidth") as? Int ?? 0
            XCTAssertLessThanOrEqual(wide, 375, "nothing wider than the phone's screen")
            try await browser.screenshot(to: "\(Self.artifacts)/new-375.png")
            _ = try await startDebate(browser, question: "Should the city close the old bridge to cars?", rounds: 5)
            _ = try await browser.wait("the first answer") { try await self.count(browser, ".answer") > 0 ? true : nil }
            try await browser.screenshot(to: "\(Self.artifacts)/live-375.png")
            let cancel = try await browser.find("#cancel")
            try await browser.click(try XCTUnwrap(cancel))
            let status = try await browser.waitForText(".head .pill", seconds: 20) { $0 == "cancelled" }
            XCTAssertEqual(status, "cancelled")
            _ = try await browser.wait("the stored record") { try await browser.find("#receipt-title") }
            let wideAfter = try await browser.execute("return document.documentElement.scrollWidth") as? Int ?? 0
            XCTAssertLessThanOrEqual(wideAfter, 375)
            try await browser.screenshot(to: "\(Self.artifacts)/cancelled-375.png")
            try await browser.prefersColorScheme("dark")
            let background = try await browser.execute("return getComputedStyle(document.documentElement).backgroundColor") as? String
            XCTAssertEqual(background, "rgb(17, 20, 27)", "the dark scheme follows prefers-color-scheme")
            try await browser.screenshot(to: "\(Self.artifacts)/cancelled-dark-375.png")
            // By keyboard: Tab moves to the next control and its focus is drawn (a 3 px outline).
            let body = try await browser.find("body")
            try await browser.type(try XCTUnwrap(body), "\u{E004}")
            let focused = try await browser.execute("""
                const e = document.activeElement; return [e.tagName, getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]
                """) as? [String] ?? []
            XCTAssertTrue(["A", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "SUMMARY"].contains(focused.first ?? ""), "\(focused)")
            XCTAssertEqual(Array(focused.dropFirst()), ["solid", "3px"])
        }
    }

    /// An agent reply carrying markup (demo agents quote the question) is shown as text and runs nothing.
    func testAgentTextIsShownAsTextAndRunsNothing() async throws {
        try await withPage(width: 1440, height: 1000, latency: 0) { browser, base in
            try await browser.open(base + "/")
            let payload = "<img src=x onerror=alert(1)>"
            _ = try await startDebate(browser, question: "Should we adopt \(payload) and <script>window.pwned=1</script> today?", rounds: 1)
            _ = try await browser.waitForText("#receipt-result") { $0.hasPrefix("✓") }
            let answer = try await browser.waitForText(".answer .text")
            XCTAssertTrue(answer.contains(payload), "the reply's markup is shown as text: \(answer)")
            let images = try await count(browser, "main img")
            XCTAssertEqual(images, 0)
            let scripts = try await count(browser, "main script")
            XCTAssertEqual(scripts, 0)
            let alert = await browser.alertText()
            XCTAssertNil(alert, "no alert ran")
            let pwned = try await browser.execute("return typeof window.pwned") as? String
            XCTAssertEqual(pwned, "undefined")
            let before = try await browser.severeConsoleMessages()
            XCTAssertEqual(before, [], "nothing tried to load or run")
            // And the page refuses HTML parsing outright (Trusted Types): a stray innerHTML would throw.
            let refused = try await browser.execute("try { document.body.insertAdjacentHTML('beforeend', '<b>x</b>'); return 'parsed' } catch (e) { return e.name }") as? String
            XCTAssertEqual(refused, "TypeError")
            let violation = try await browser.severeConsoleMessages()
            XCTAssertTrue(violation.first?.contains("TrustedHTML") == true, "\(violation)")
            try await browser.screenshot(to: "\(Self.artifacts)/markup-as-text-1440.png")

            // The browser's receipt check is real: an edited receipt fails it.
            let checks = try await browser.executeAsync("""
                const { verifyReceipt } = await import('/static/receipt.js');
                const id = location.hash.split('/')[2];
                const receipt = await (await fetch(`/api/debates/${id}/receipt`)).json();
                const intact = await verifyReceipt(receipt);
                const edited = structuredClone(receipt); edited.payload.question += '!';
                const forged = structuredClone(receipt); forged.digest = forged.digest.replace(/^./, (c) => c === '0' ? '1' : '0');
                return [intact.ok, (await verifyReceipt(edited)).reason || 'ok', (await verifyReceipt(forged)).reason || 'ok'];
                """) as? [Any] ?? []
            XCTAssertEqual(checks.first as? Bool, true)
            XCTAssertTrue((checks.dropFirst().first as? String)?.contains("content was changed") == true, "\(checks)")
            XCTAssertTrue((checks.last as? String)?.contains("content was changed") == true, "\(checks)")
            // Its canonical JSON is the server's, byte for byte, on awkward numbers and strings.
            let tricky: JSONValue = ["b": [.double(1e-5), .double(0.1), .double(1e15), .double(123.5), .double(-0.0), .double(9007199254740993),
                                           .double(2.5e20), .int(-7), .double(1.5e-7), .double(0.0001)],
                                     "a": "q\"\\\n\u{1}\u{1f}é😀\t", "Z": .null, "ä": true]
            let canonical = try await browser.executeAsync("""
                const { canonical } = await import('/static/receipt.js');
                return canonical(JSON.parse(arguments[0]));
                """, [tricky.serialized()]) as? String
            XCTAssertEqual(canonical, tricky.serialized())
        }
    }

    /// The live connection drops mid-debate; the page reconnects with `replay_from_seq` and shows every event
    /// exactly once.
    func testADroppedConnectionResumesWithoutLoss() async throws {
        try await withPage(width: 1440, height: 1000, latency: 250) { browser, base in
            try await browser.open(base + "/")
            // Keep every socket the page opens, and what it sends, to close one and check the resubscription.
            _ = try await browser.execute("""
                window.sockets = []; window.sent = [];
                const Native = window.WebSocket;
                window.WebSocket = class extends Native {
                  constructor(...a) { super(...a); window.sockets.push(this); }
                  send(data) { window.sent.push(data); super.send(data); }
                };
                """)
            let id = try await startDebate(browser, question: "Should we rewrite the billing service?", rounds: 3)
            _ = try await browser.wait("some events") {
                Int(try await browser.execute("return document.querySelector('.debate').dataset.applied || '0'") as? String ?? "0")! >= 8 ? true : nil
            }
            _ = try await browser.execute("window.sockets[window.sockets.length - 1].close()")
            _ = try await browser.waitForText("#receipt-result", seconds: 40) { $0.hasPrefix("✓") }
            let sockets = try await browser.execute("return window.sockets.length") as? Int ?? 0
            XCTAssertGreaterThanOrEqual(sockets, 2, "the page reconnected")
            let resubscribed = try await browser.execute("""
                return window.sent.map(s => JSON.parse(s)).filter(m => m.type === 'subscribe').map(m => m.replay_from_seq)
                """) as? [Int] ?? []
            XCTAssertEqual(resubscribed.first, 0)
            XCTAssertGreaterThan(resubscribed.dropFirst().first ?? 0, 0, "resubscribed from the last event seen: \(resubscribed)")
            let applied = try await browser.execute("return document.querySelector('.debate').dataset.applied") as? String
            let lastSeq = try await browser.execute("return document.querySelector('.debate').dataset.lastSeq") as? String
            XCTAssertEqual(applied, lastSeq, "every event applied once, none missing")
            let (data, _) = try await URLSession.shared.data(from: URL(string: base + "/api/debates/\(id)/events?limit=1000")!)
            let stored = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["events"] as? [Any] ?? []
            XCTAssertEqual(Int(lastSeq ?? ""), stored.count, "the page saw all \(stored.count) stored events")
        }
    }

    /// With auth on: the page says a token is needed, takes one, then works (the live stream included, with the
    /// token as a percent-encoded subprotocol); a rate-limited creation says when to try again.
    func testTokenFieldAndClearMessagesOn401And429() async throws {
        let secret = "web-test-secret"
        try await withPage(width: 1440, height: 1000, extra: [
            "ARAGORA_API_TOKEN": secret, "ARAGORA_DISABLE_ALL_RATE_LIMITS": "0",
            "ARAGORA_CREATE_RATE_LIMIT": "1", "ARAGORA_BURST_MULTIPLIER": "1",
        ]) { browser, base in
            try await browser.open(base + "/")
            // The agent list is public: the form fills in without a token; starting a debate is not.
            try await submitForm(browser, question: "Should we open the API to partners?")
            let refused = try await browser.waitForText("#notice")
            XCTAssertTrue(refused.contains("needs a token"), refused)
            let panelOpen = try await browser.execute("return !document.getElementById('token-panel').hidden") as? Bool
            XCTAssertEqual(panelOpen, true, "the token field opens by itself")
            _ = try await browser.severeConsoleMessages()  // the 401 is logged by the browser, as it should be
            try await browser.screenshot(to: "\(Self.artifacts)/token-needed-1440.png")

            let token = TokenAuthenticator(secret: secret).mint(loopID: "admin", ttl: 600)
            let field = try await browser.find("#token-input")
            try await browser.type(try XCTUnwrap(field), token)
            _ = try await browser.execute("document.getElementById('token-panel').requestSubmit()")
            let stored = try await browser.execute("return sessionStorage.getItem('aragora.token')") as? String
            XCTAssertEqual(stored, token)
            let id = try await startDebate(browser, question: "Should we open the API to partners?", rounds: 1)
            let verdict = try await browser.waitForText("#receipt-result", seconds: 30) { $0.hasPrefix("✓") }
            XCTAssertTrue(verdict.hasPrefix("✓"))
            let applied = try await browser.execute("return document.querySelector('.debate').dataset.applied || ''") as? String
            XCTAssertFalse(applied?.isEmpty ?? true, "events of \(id) arrived over the WebSocket with the token")

            // The creation limit (1 per minute, no burst) is spent: the next start says when to retry.
            try await browser.open(base + "/#/new")
            try await submitForm(browser, question: "And to the public?")
            let limited = try await browser.waitForText("#notice") { $0.hasPrefix("Too many") }
            XCTAssertTrue(limited.contains("try again in"), limited)
            _ = try await browser.severeConsoleMessages()  // the 429, logged by the browser
        }
    }
}
