import Foundation

/// Works out the client's address: forwarded headers count only when the peer is a trusted proxy.
public struct ClientIPResolver: Sendable {
    let trusted: [String]

    public init(trusted: [String]) { self.trusted = trusted }

    /// Forwarded values count only from a trusted peer and only when they parse as IP addresses: anything else
    /// (`unknown`, a host name, garbage meant to mint fresh rate-limit buckets) is ignored.
    public func resolve(peer: String, headers: (String) -> String?) -> String {
        guard isTrusted(peer) else { return group(peer) }
        if let cf = headers("CF-Connecting-IP").map({ $0.trimmingCharacters(in: .whitespaces) }), headers("CF-Ray") != nil,
           Self.isIPAddress(cf) {
            return group(cf)
        }
        if let xff = headers("X-Forwarded-For") {
            // The right-most address not added by a trusted proxy is the client.
            let hops = xff.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter(Self.isIPAddress)
            if let client = hops.reversed().first(where: { !isTrusted($0) }) ?? hops.first { return group(client) }
        }
        if let real = headers("X-Real-IP").map({ $0.trimmingCharacters(in: .whitespaces) }), Self.isIPAddress(real) {
            return group(real)
        }
        return group(peer)
    }

    static func isIPAddress(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        let bare = s.split(separator: "%").first.map(String.init) ?? s
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    func isTrusted(_ ip: String) -> Bool {
        trusted.contains { entry in
            if entry == ip { return true }
            if entry.hasSuffix("*") { return ip.hasPrefix(String(entry.dropLast())) }
            return false
        }
    }

    /// IPv6 clients are grouped per /64 (one subscriber usually owns the whole prefix).
    func group(_ ip: String) -> String {
        guard ip.contains(":") else { return ip }
        var addr = in6_addr()
        let bare = ip.split(separator: "%").first.map(String.init) ?? ip
        guard inet_pton(AF_INET6, bare, &addr) == 1 else { return ip }
        let bytes = withUnsafeBytes(of: &addr) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12...].map(String.init).joined(separator: ".")  // IPv4-mapped
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
