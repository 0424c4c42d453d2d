import Crypto
import Foundation

/// The receipt key's public half as others write it: PEM (SubjectPublicKeyInfo), DER, raw bytes, hex or base64, and
/// the `key_id` Open Decision Receipts name it by.
public enum ReceiptPublicKey {
    /// DER of SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, BIT STRING } before the 32 key bytes.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func spkiDER(raw: Data) -> Data { Data(spkiPrefix) + raw }

    public static func pem(raw: Data) -> String {
        "-----BEGIN PUBLIC KEY-----\n" + spkiDER(raw: raw).base64EncodedString() + "\n-----END PUBLIC KEY-----\n"
    }

    /// `ed25519-` and the first 16 hex digits of the SHA-256 of the raw key: the ODR's key id.
    public static func keyID(raw: Data) -> String {
        "ed25519-" + String(SHA256.hash(data: raw).hexString.prefix(16))
    }

    /// Reads a public key given as PEM, DER, 32 raw bytes, or 64 hex characters / base64 text of the raw key or DER.
    public static func parse(_ data: Data) throws -> Curve25519.Signing.PublicKey {
        if data.count == 32 { return try key(data) }
        if data.count == spkiPrefix.count + 32, data.starts(with: spkiPrefix) { return try key(data.dropFirst(spkiPrefix.count)) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.contains("-----BEGIN") {
            guard text.contains("-----BEGIN PUBLIC KEY-----") else { throw ReceiptKeyError("the PEM is not a PUBLIC KEY") }
            let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
            guard let der = Data(base64Encoded: body) else { throw ReceiptKeyError("the PEM's body is not base64") }
            guard der.count == spkiPrefix.count + 32, der.starts(with: spkiPrefix) else {
                throw ReceiptKeyError("the PEM holds a public key that is not Ed25519")
            }
            return try key(der.dropFirst(spkiPrefix.count))
        }
        if let raw = Data(hex: text) ?? Data(base64Encoded: text), raw.count == 32 || raw.count == spkiPrefix.count + 32 {
            return try parse(raw)
        }
        throw ReceiptKeyError("not an Ed25519 public key (expected PEM, DER, 32 raw bytes, 64 hex characters or base64)")
    }

    static func key(_ raw: Data) throws -> Curve25519.Signing.PublicKey {
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: raw) } catch {
            throw ReceiptKeyError("not an Ed25519 public key: \(error)")
        }
    }
}
