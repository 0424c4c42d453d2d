import AragoraCore
import Foundation
import MCP

/// The SDK's `Value` and our `JSONValue` describe the same JSON; results are built as `JSONValue` (one encoder
/// for the API and MCP) and arguments are read as `JSONValue` (one set of validators).
extension JSONValue {
    init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        // The SDK reads any string shaped like a data: URL as data; it was a string on the wire.
        case .data(let mimeType, let data):
            self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let a): self = .array(a.map(JSONValue.init))
        case .object(let o): self = .object(o.mapValues(JSONValue.init))
        }
    }
}

extension MCP.Value {
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(MCP.Value.init))
        case .object(let o): self = .object(o.mapValues(MCP.Value.init))
        }
    }
}
