import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the test targets (a library target of its own: test targets cannot import each other).
public enum Loopback {
    /// A socket bound to a kernel-chosen loopback port, listening when `listen` is true; the caller closes it.
    public static func bind(listen: Bool) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        if listen { _ = Glibc.listen(fd, 16) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// A loopback port nobody listens on now, chosen by the kernel (a random pick can land on a port in use).
    public static func freePort() -> Int {
        let (fd, port) = bind(listen: false)
        close(fd)
        return port
    }
}

public enum BuiltBinary {
    /// The `aragora` executable of this build: `ARAGORA_BIN`, else next to the test bundle or a few levels up.
    public static func aragora() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [dir.appendingPathComponent("aragora")]
        var up = dir
        for _ in 0..<4 {
            up = up.deletingLastPathComponent()
            candidates.append(up.appendingPathComponent("aragora"))
        }
        if let env = ProcessInfo.processInfo.environment["ARAGORA_BIN"] { candidates.insert(URL(fileURLWithPath: env), at: 0) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw MissingBinary(searched: dir.path)
        }
        return found
    }

    public struct MissingBinary: Error, CustomStringConvertible {
        public var searched: String
        public var description: String { "aragora binary not found next to the tests (\(searched)): run 'swift build' first" }
    }
}
