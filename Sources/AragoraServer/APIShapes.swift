import AragoraCore
import AragoraStore
import NIOCore

// Response shapes that belong to the HTTP API rather than to the debate record.

/// One row of `GET /api/debates` and `/api/debates/active`.
struct DebateSummaryResponse: Encodable {
    let summary: DebateSummary

    enum CodingKeys: String, CodingKey {
        case id, debateID = "debate_id", task, status, createdAt = "created_at", updatedAt = "updated_at"
        case consensusReached = "consensus_reached", confidence
        case instanceID = "instance_id", ownedSince = "owned_since", phase
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(summary.id, forKey: .id)
        try c.encode(summary.id, forKey: .debateID)
        try c.encode(summary.task, forKey: .task)
        try c.encode(summary.status, forKey: .status)
        try c.encode(Timestamp.iso8601(summary.createdAt), forKey: .createdAt)
        try c.encode(Timestamp.iso8601(summary.updatedAt), forKey: .updatedAt)
        try c.encode(summary.consensusReached, forKey: .consensusReached)
        try c.encode(summary.confidence, forKey: .confidence)
        // Only `/api/debates/active` knows who runs a debate, since when and where it is.
        try c.encodeIfPresent(summary.owner, forKey: .instanceID)
        try c.encodeIfPresent(summary.ownedSince.map(Timestamp.iso8601), forKey: .ownedSince)
        try c.encodeIfPresent(summary.phase, forKey: .phase)
    }
}

/// `GET /api/debates/{id}`: the stored record plus `debate_id`, the alias of `id` that clients read (CONTRACT §4).
enum DebateRecordResponse {
    /// Splices the alias into the stored record's JSON object while writing it out, instead of decoding and
    /// re-encoding it: the record is served as stored (`DebateRecordResponseTests` checks the result).
    static func buffer(storedRecord json: [UInt8], id: String) -> ByteBuffer {
        guard json.first == UInt8(ascii: "{") else { return ByteBuffer(bytes: json) }
        var alias = JSONValue.object(["debate_id": .string(id)]).bytes()  // `{"debate_id":"..."}`
        alias.removeLast()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(alias.count + json.count + 1)
        buffer.writeBytes(alias)
        if json.count > 2 { buffer.writeInteger(UInt8(ascii: ",")) }
        buffer.writeBytes(json.dropFirst())
        return buffer
    }
}
