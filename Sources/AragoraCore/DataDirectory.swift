import Foundation

/// Where Aragora keeps its files: `$ARAGORA_DATA_DIR`, else `~/.aragora`.
public enum DataDirectory {
    public static func url(environment: [String: String]) -> URL {
        if let dir = environment["ARAGORA_DATA_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".aragora")
    }
}
