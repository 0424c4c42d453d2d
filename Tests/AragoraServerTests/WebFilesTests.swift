import AragoraCore
@testable import AragoraServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// The web page's files as HTTP serves them: from the binary, with ETags, the page's strict CSP, public and
/// not rate limited even with auth and tight limits on.
final class WebFilesTests: XCTestCase {
    func testPageAndFilesAreServedWithETagsAndAStrictPolicy() async throws {
        try await withServer(["ARAGORA_API_TOKEN": "s3cret", "ARAGORA_DISABLE_ALL_RATE_LIMITS": "0", "ARAGORA_IP_RATE_LIMIT": "1",
                              "ARAGORA_BURST_MULTIPLIER": "1"]) { client, _ in
            let page = try await client.execute(uri: "/", method: .get)
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            let csp = try XCTUnwrap(page.headers[HTTPField.Name("Content-Security-Policy")!])
            for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "require-trusted-types-for 'script'",
                              "frame-ancestors 'none'"] {
                XCTAssertTrue(csp.contains(directive), csp)
            }
            XCTAssertFalse(csp.contains("unsafe-inline"), "no inline script or style on the page")
            XCTAssertEqual(page.headers[HTTPField.Name("X-Frame-Options")!], "DENY")
            XCTAssertEqual(page.headers[HTTPField.Name("X-Content-Type-Options")!], "nosniff")
            let html = String(buffer: page.body)
            XCTAssertTrue(html.contains(#"<script type="module" src="/static/app.js"></script>"#))
            XCTAssertFalse(html.contains("<script>"), "no inline script")

            // Every file the page names is served, with its type; twenty requests in a row despite a limit of one
            // a minute (files are exempt).
            for name in ["app.js", "api.js", "dom.js", "live.js", "notice.js", "parts.js", "receipt.js", "view-new.js", "view-debate.js",
                         "view-history.js", "view-leaderboard.js", "style.css", "icon.svg"] {
                let r = try await client.execute(uri: "/static/\(name)", method: .get)
                XCTAssertEqual(r.status, .ok, name)
                XCTAssertEqual(r.headers[.contentType], WebAssets.contentType(name))
                let tag = try XCTUnwrap(r.headers[.eTag])
                let again = try await client.execute(uri: "/static/\(name)", method: .get, headers: [.ifNoneMatch: tag])
                XCTAssertEqual(again.status, .notModified, name)
                XCTAssertEqual(again.body.readableBytes, 0)
            }
            let missing = try await client.json(.get, "/static/nope.js")
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.json["code"], "not_found")
            let traversal = try await client.json(.get, "/static/..%2FPackage.swift")
            XCTAssertEqual(traversal.status, 404)
            // The API itself still needs the token.
            let list = try await client.json(.get, "/api/debates")
            XCTAssertEqual(list.status, 401)
        }
    }

    /// Every JavaScript module the page imports exists in the binary (a missing one fails only in a browser).
    func testEveryImportedModuleIsEmbedded() throws {
        let files = WebAssets.shared.files
        for (name, file) in files where name.hasSuffix(".js") {
            let text = String(buffer: file.bytes)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                guard let from = line.range(of: "from './") else { continue }
                let target = line[from.upperBound...].prefix { $0 != "'" }
                XCTAssertNotNil(files[String(target)], "\(name) imports \(target), which is not embedded")
            }
        }
        XCTAssertGreaterThanOrEqual(files.count, 14)
    }

    func testListSearchByQuestionText() async throws {
        try await withServer { client, service in
            _ = try await client.runDebate(#"{"question": "Should we adopt Rust?", "rounds": 1}"#, on: service)
            _ = try await client.runDebate(#"{"question": "Tabs or spaces?", "rounds": 1}"#, on: service)
            let found = try await client.json(.get, "/api/debates?q=RUST")
            XCTAssertEqual(found.json["total"], 1)
            XCTAssertEqual(found.json["total_exact"], true)
            XCTAssertEqual(found.json["debates"]?.arrayValue?.first?["task"], "Should we adopt Rust?")
            let none = try await client.json(.get, "/api/debates?q=nothing%20like%20this&status=completed")
            XCTAssertEqual(none.json["total"], 0)
            let nul = try await client.json(.get, "/api/debates?q=a%00b")
            XCTAssertEqual(nul.status, 400)
            XCTAssertEqual(nul.json["code"], "invalid_request")
        }
    }
}
