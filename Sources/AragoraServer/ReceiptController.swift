import AragoraCore
import AragoraDebates
import Foundation
import Hummingbird

/// Receipts: a debate's own signed receipt, the same decision as an Open Decision Receipt signed with this
/// instance's key (`?format=odr`), and the public key that checks them (`/api/receipt-key`, a public route).
struct ReceiptController {
    let service: ServerContext

    enum Format: String, CaseIterable { case native, odr }
    enum KeyFormat: String, CaseIterable { case json, pem }

    func register(on router: Router<AppRequestContext>) {
        router.api(.get, "/debates/:id/receipt") { request, context in try await receipt(request, context) }
        router.api(.get, "/receipt-key") { request, _ in try key(request) }
    }

    func receipt(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let format = try Self.choice(request, "format", default: Format.native)
        let r = try await DebateController(service: service).record(context)
        guard let receipt = r.receipt else {
            throw APIError(.conflict, "not_finished", "debate \(r.id) has no receipt yet (status \(r.status.rawValue))")
        }
        guard format == .odr else { return JSONResponse.make(JSONValue(shape: receipt)) }
        do {
            return JSONResponse.make(try service.debates.signer.signODR(r))
        } catch let error as OpenDecisionReceipt.ExportError {
            throw APIError(.conflict, "receipt_mismatch", "debate \(r.id): \(error)")
        }
    }

    func key(_ request: Request) throws -> Response {
        let signer = service.debates.signer
        switch try Self.choice(request, "format", default: KeyFormat.json) {
        case .pem: return JSONResponse.text(signer.publicKeyPEM, contentType: "application/x-pem-file")
        case .json: return JSONResponse.make(signer.publicKeyDocument)
        }
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ request: Request, _ name: String, default value: T) throws(APIError) -> T
        where T.RawValue == String {
        guard let raw = request.uri.queryParameters[Substring(name)] else { return value }
        guard let v = T(rawValue: String(raw)) else {
            throw .badRequest("\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))", details: ["field": .string(name)])
        }
        return v
    }
}
