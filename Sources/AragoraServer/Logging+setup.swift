import Foundation
import Logging

/// The service logger: text by default, one JSON object per line with ARAGORA_LOG_FORMAT=json.
func makeLogger(_ config: ServerConfiguration) -> Logger {
    var logger = Logger(label: "aragora") { label in
        config.logJSON ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
    }
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    return logger
}

/// One JSON object per line on stderr: `{"ts","level","msg",...metadata}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var o: [String: String] = ["ts": ISO8601DateFormatter().string(from: Date()), "level": event.level.rawValue,
                                   "msg": "\(event.message)", "logger": label]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, b in b }) { o[k] = "\(v)" }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
