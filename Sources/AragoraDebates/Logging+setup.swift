import AragoraCore
import Foundation
import Logging

/// The service logger: text by default, one JSON object per line with ARAGORA_LOG_FORMAT=json.
func makeLogger(_ config: ServerConfiguration) -> Logger {
    var logger = Logger(label: "aragora") { label in
        config.logJSON ? JSONLogHandler(label: label) as any LogHandler : TextLogHandler(label: label)
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

/// swift-log's `StreamLogHandler` line (`2026-12-05T01:02:03+0000 info aragora: key=value [Module] message`) on stderr,
/// with the metadata formatted when a line is written rather than each time it is set: the HTTP server sets request
/// metadata on every request, and formatting it there cost 4% of a probe's time at the warning level, which writes
/// nothing (docs/benchmarks.md).
struct TextLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = (event.metadata ?? [:]).isEmpty ? metadata : metadata.merging(event.metadata!, uniquingKeysWith: { _, b in b })
        let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let line = "\(Self.timestamp()) \(event.level) \(label):\(pairs.isEmpty ? "" : " " + pairs) [\(event.source)] \(event.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
