/// W3C Trace Context (Level 1 `traceparent`/`tracestate`, Level 2 `traceresponse`), server side.
///
/// A valid incoming `traceparent` is continued: the trace id and flags are kept and this server's span gets
/// a new id, whose parent is the caller's span. Anything else (absent, malformed, an all-zero id, version
/// ff) starts a new trace; a malformed header is never echoed. `tracestate` is kept only with a valid
/// `traceparent` and within the specification's limits (512 characters, 32 list members).
public struct TraceContext: Sendable, Equatable {
    // Held as numbers, so that making one for every request allocates nothing; the strings below are made
    // only when something (a log line) asks, and the response's `traceresponse` header is written straight
    // from these by the serializer (`appendTraceResponse`).
    let traceHigh: UInt64, traceLow: UInt64   // the 128-bit trace id
    let span: UInt64                          // this server's span id
    let flagBits: UInt8
    let parent: UInt64              // the caller's span id; 0 when the trace was started here
    public let traceState: String?  // passed through, trimmed, when valid

    /// The caller's span (16 lowercase hex digits), when the trace was continued.
    public var parentID: String? { parent == 0 ? nil : Self.hex(parent) }

    public var traceID: String { Self.hex(traceHigh) + Self.hex(traceLow) }   // 32 lowercase hex digits
    public var spanID: String { Self.hex(span) }                                // 16 lowercase hex digits: this server's span
    public var flags: String { Self.hex(UInt64(flagBits), digits: 2) }          // 2 lowercase hex digits

    /// `traceresponse` (Level 2): this server's span, so a client that sent no `traceparent` can still find it.
    public var traceResponse: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(55)
        appendTraceResponse(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the `traceresponse` value, "00-<trace id>-<span id>-<flags>" (55 lowercase ASCII bytes), to `bytes`:
    /// written into a stack buffer, then appended at once (a byte-by-byte append cost more than the rest of
    /// the trace context on a small response).
    func appendTraceResponse(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 55) { out in
            out[0] = 0x30; out[1] = 0x30; out[2] = 0x2D           // "00-"
            Self.writeHex(traceHigh, digits: 16, into: out, at: 3)
            Self.writeHex(traceLow, digits: 16, into: out, at: 19)
            out[35] = 0x2D
            Self.writeHex(span, digits: 16, into: out, at: 36)
            out[52] = 0x2D
            Self.writeHex(UInt64(flagBits), digits: 2, into: out, at: 53)
            bytes.append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    /// A placeholder for "no request yet" (all-zero ids are invalid, so it is never sent as a real one).
    static let none = TraceContext(traceHigh: 0, traceLow: 0, span: 0, flagBits: 0, parent: 0, traceState: nil)

    public static let maxTraceStateLength = 512
    public static let maxTraceStateMembers = 32

    /// The trace context of the request being handled, for log handlers (`JSONLogHandler` adds its ids to
    /// every line logged while a request's asynchronous handler runs). Bound by the server.
    @TaskLocal public static var current: TraceContext?

    /// The context for a request with these header values (nil when absent).
    public static func accept<G: RandomNumberGenerator>(traceparent: String?, tracestate: String?, using generator: inout G) -> TraceContext {
        let span = max(1, generator.next() as UInt64)   // an all-zero id is invalid
        if let traceparent, let parent = parse(traceparent) {
            return TraceContext(traceHigh: parent.traceHigh, traceLow: parent.traceLow, span: span, flagBits: parent.flags,
                                parent: parent.parentID, traceState: tracestate.flatMap(validTraceState))
        }
        let high: UInt64 = generator.next(), low = max(1, generator.next() as UInt64)
        // Flag 0x02 (Level 2 "random"): the trace id was drawn at random here. Not sampled.
        return TraceContext(traceHigh: high, traceLow: low, span: span, flagBits: 0x02, parent: 0, traceState: nil)
    }

    public static func accept(traceparent: String?, tracestate: String?) -> TraceContext {
        var generator = SystemRandomNumberGenerator()
        return accept(traceparent: traceparent, tracestate: tracestate, using: &generator)
    }

    /// `digits` lowercase hex digits of `value`, most significant first, at `out[offset...]`.
    @inline(__always)
    private static func writeHex(_ value: UInt64, digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for i in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * (digits - 1 - i))) & 0xF
            out[offset + i] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble   // "0"… or "a"…
        }
    }

    private static func hex(_ value: UInt64, digits: Int = 16) -> String {
        String(unsafeUninitializedCapacity: digits) { out in
            writeHex(value, digits: digits, into: out, at: 0)
            return digits
        }
    }

    /// The value of `digits` lowercase hex digits (already checked by `isLowerHex`).
    private static func number(ofHex digits: ArraySlice<UInt8>) -> UInt64 {
        digits.reduce(0) { $0 << 4 | UInt64($1 <= UInt8(ascii: "9") ? $1 - UInt8(ascii: "0") : $1 - UInt8(ascii: "a") + 10) }
    }

    /// (trace id, parent id, flags) of a valid `traceparent`, else nil.
    static func parse(_ header: String) -> (traceHigh: UInt64, traceLow: UInt64, parentID: UInt64, flags: UInt8)? {
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
        return (number(ofHex: trace.prefix(16)), number(ofHex: trace.suffix(16)), number(ofHex: parent), UInt8(number(ofHex: flags)))
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
