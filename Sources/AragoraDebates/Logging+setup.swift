import AragoraCore
import Foundation
import Logging

/// The service logger: text by default, one JSON object per line with ARAGORA_LOG_FORMAT=json.
func makeLogger(_ config: ServerConfiguration) -> Logger {
    var logger = Logger(label: "aragora") { LineLogHandler(label: $0, json: config.logJSON) }
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    return logger
}

/// One line per entry on stderr, its metadata formatted only when a line is written (the HTTP server sets request
/// metadata on every request, and swift-log's `StreamLogHandler` formatting it there cost 4% of a probe's time at
/// the warning level, which writes nothing; docs/benchmarks.md). Text is `StreamLogHandler`'s line
/// (`2026-12-05T01:02:03+0000 info aragora: key=value [Module] message`); JSON is `{"ts","level","msg",...metadata}`.
struct LineLogHandler: LogHandler {
    let label: String
    let json: Bool
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = (event.metadata ?? [:]).isEmpty ? metadata : metadata.merging(event.metadata!, uniquingKeysWith: { _, b in b })
        FileHandle.standardError.write(Data(json ? jsonLine(event, all) : textLine(event, all)))
    }

    func jsonLine(_ event: LogEvent, _ all: Logger.Metadata) -> [UInt8] {
        var o: [String: JSONValue] = ["ts": .string(Timestamp.iso8601(Timestamp.now())), "level": .string(event.level.rawValue),
                                      "msg": .string("\(event.message)"), "logger": .string(label)]
        for (k, v) in all { o[k] = .string("\(v)") }
        var line = JSONValue.object(o).bytes()
        line.append(UInt8(ascii: "\n"))
        return line
    }

    func textLine(_ event: LogEvent, _ all: Logger.Metadata) -> [UInt8] {
        let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return Array("\(Self.timestamp()) \(event.level) \(label):\(pairs.isEmpty ? "" : " " + pairs) [\(event.source)] \(event.message)\n".utf8)
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
