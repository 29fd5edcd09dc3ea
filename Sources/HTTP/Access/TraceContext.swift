/// W3C Trace Context (Level 1 `traceparent`/`tracestate`, Level 2 `traceresponse`), server side.
///
/// A valid incoming `traceparent` is continued: the trace id and flags are kept and this server's span gets
/// a new id, whose parent is the caller's span. Anything else (absent, malformed, an all-zero id, version
/// ff) starts a new trace; a malformed header is never echoed. `tracestate` is kept only with a valid
/// `traceparent` and within the specification's limits (512 characters, 32 list members).
public struct TraceContext: Sendable, Equatable {
    public let traceID: String      // 32 lowercase hex digits
    public let spanID: String       // 16 lowercase hex digits: this server's span
    public let parentID: String?    // the caller's span, when the trace was continued
    public let flags: String        // 2 lowercase hex digits
    public let traceState: String?  // passed through, trimmed, when valid

    /// `traceresponse` (Level 2): this server's span, so a client that sent no `traceparent` can still find it.
    public var traceResponse: String { "00-\(traceID)-\(spanID)-\(flags)" }

    public static let maxTraceStateLength = 512
    public static let maxTraceStateMembers = 32

    /// The context for a request with these header values (nil when absent).
    public static func accept<G: RandomNumberGenerator>(traceparent: String?, tracestate: String?, using generator: inout G) -> TraceContext {
        let span = hex(UInt64.random(in: 1...UInt64.max, using: &generator), digits: 16)
        if let parent = traceparent.flatMap(parse) {
            return TraceContext(traceID: parent.traceID, spanID: span, parentID: parent.parentID, flags: parent.flags,
                                traceState: tracestate.flatMap(validTraceState))
        }
        let high = UInt64.random(in: 0...UInt64.max, using: &generator), low = UInt64.random(in: 1...UInt64.max, using: &generator)
        // Flag 0x02 (Level 2 "random"): the trace id was drawn at random here. Not sampled.
        return TraceContext(traceID: hex(high, digits: 16) + hex(low, digits: 16), spanID: span, parentID: nil, flags: "02", traceState: nil)
    }

    public static func accept(traceparent: String?, tracestate: String?) -> TraceContext {
        var generator = SystemRandomNumberGenerator()
        return accept(traceparent: traceparent, tracestate: tracestate, using: &generator)
    }

    /// (trace id, parent id, flags) of a valid `traceparent`, else nil.
    static func parse(_ header: String) -> (traceID: String, parentID: String, flags: String)? {
        let value = header.trimmingASCIIWhitespace()
        let bytes = Array(value.utf8)
        // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
        guard bytes.count >= 55 else { return nil }
        let version = bytes[0..<2]
        guard isLowerHex(version), version != [UInt8(ascii: "f"), UInt8(ascii: "f")] else { return nil }
        // Version 00 is exactly 55 characters; a later version may append fields after another "-".
        if version == [UInt8(ascii: "0"), UInt8(ascii: "0")] { guard bytes.count == 55 else { return nil } }
        else if bytes.count > 55 && bytes[55] != UInt8(ascii: "-") { return nil }
        guard bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-") else { return nil }
        let trace = bytes[3..<35], parent = bytes[36..<52], flags = bytes[53..<55]
        guard isLowerHex(trace), isLowerHex(parent), isLowerHex(flags) else { return nil }
        guard trace.contains(where: { $0 != UInt8(ascii: "0") }), parent.contains(where: { $0 != UInt8(ascii: "0") }) else { return nil }
        return (String(decoding: trace, as: UTF8.self), String(decoding: parent, as: UTF8.self), String(decoding: flags, as: UTF8.self))
    }

    /// The header trimmed, if it is a list of at most 32 `key=value` members within 512 characters.
    static func validTraceState(_ header: String) -> String? {
        let value = header.trimmingASCIIWhitespace()
        guard !value.isEmpty, value.utf8.count <= maxTraceStateLength else { return nil }
        let members = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingASCIIWhitespace() }
        let nonEmpty = members.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty, nonEmpty.count <= maxTraceStateMembers else { return nil }
        for member in nonEmpty {
            guard let equals = member.firstIndex(of: "="), equals != member.startIndex, member.index(after: equals) != member.endIndex else { return nil }
            // Printable ASCII only, no further "=" or "," in the key; values are 0x20…0x7E without "," or "=".
            guard member.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
        }
        return value
    }

    private static func isLowerHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

private extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingASCIIWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
