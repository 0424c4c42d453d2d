import AragoraCore
import AragoraServer
import Foundation
import HummingbirdTesting
import XCTest

/// `docs/api.md`'s route table and `/api/openapi.json` list the same routes, and mark the same ones public.
final class ApiReferenceTests: XCTestCase {
    func testTheReferenceListsExactlyTheDocumentedRoutes() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        var reference: [String: Bool] = [:]  // "GET /api/x" -> public
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let route = cells.first?.trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                  let method = route.split(separator: " ").first, ["GET", "POST", "DELETE", "PUT", "PATCH"].contains(String(method)) else { continue }
            reference[route] = cells[1] == "public"
        }
        let listed = reference
        try await withServer { client, _ in
            let document = try await client.json(.get, "/api/openapi.json").json
            var documented: [String: Bool] = [:]
            for (path, operations) in document["paths"]?.objectValue ?? [:] where !path.hasPrefix("/api/v1/") {
                for (method, operation) in operations.objectValue ?? [:] {
                    documented["\(method.uppercased()) \(path)"] = operation["security"] == .array([])
                }
            }
            XCTAssertEqual(Set(listed.keys), Set(documented.keys), "docs/api.md and /api/openapi.json list different routes")
            for (route, isPublic) in documented { XCTAssertEqual(listed[route], isPublic, "\(route): public in one, not the other") }
        }
    }
}
