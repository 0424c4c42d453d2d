import AragoraCore
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
        var o: [String: JSONValue] = ["ts": .string(Timestamp.iso8601(Timestamp.now())), "level": .string(event.level.rawValue),
                                      "msg": .string("\(event.message)"), "logger": .string(label)]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, b in b }) { o[k] = .string("\(v)") }
        var line = JSONValue.object(o).bytes()
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(Data(line))
    }
}
