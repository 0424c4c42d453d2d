import Foundation

/// Hides a secret key in text that may be shown (error messages, logs): every form a provider has been seen to
/// echo it in. Keys shorter than 12 characters are only replaced whole: a shorter prefix would hide ordinary words.
struct KeyRedactor: Sendable {
    let forms: [String]
    let key: String
    let prefix: String?

    static let minimumPrefix = 12
    static let mask = "[redacted]"

    init(key: String?) {
        self.key = key ?? ""
        guard let key, key.count >= 4 else {
            forms = []
            prefix = nil
            return
        }
        let b64 = Data(key.utf8).base64EncodedString()
        let forms = [key, key.uppercased(), key.lowercased(), b64, b64.replacingOccurrences(of: "=", with: "")]
        // Longest first, so a whole key is masked before a shorter form inside it.
        self.forms = Array(Set(forms)).sorted { $0.count > $1.count }
        prefix = key.count >= Self.minimumPrefix ? String(key.prefix(Self.minimumPrefix)) : nil
    }

    func redact(_ text: String) -> String {
        var out = text
        for form in forms { out = out.replacingOccurrences(of: form, with: Self.mask) }
        guard let prefix else { return out }
        // A truncated echo: the first 12 characters of the key and whatever of it follows them.
        var result = ""
        var rest = Substring(out)
        while let r = rest.range(of: prefix, options: .caseInsensitive) {
            result += rest[..<r.lowerBound]
            result += Self.mask
            rest = rest[r.upperBound...]
            // Swallow the key's further characters that were echoed after the prefix.
            let tail = key.dropFirst(Self.minimumPrefix)
            var matched = tail.startIndex
            while let c = rest.first, matched < tail.endIndex, c == tail[matched] {
                rest = rest.dropFirst()
                matched = tail.index(after: matched)
            }
        }
        return result + rest
    }
}
