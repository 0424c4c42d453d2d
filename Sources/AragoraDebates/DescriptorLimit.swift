#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit, which bounds its connections.
enum DescriptorLimit {
    /// Descriptors kept back from connections: the database, logs, outgoing calls to LLM providers.
    static let reserve = 512

    /// Raises the soft limit to the hard one, as servers do; returns the soft limit in force.
    @discardableResult
    static func raiseToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// 10,000, or fewer when the descriptor limit leaves less room (at least 64).
    static var defaultMaxConnections: Int {
        max(64, min(10_000, raiseToHard() - reserve))
    }
}
