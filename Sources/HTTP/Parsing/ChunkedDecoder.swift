/// Incremental decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1). Feed it bytes as they arrive;
/// it appends the payload to `body` and reports how many input bytes it consumed. Chunk extensions and
/// trailer fields are accepted and ignored.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable, Equatable { case size, data(remaining: Int), dataEnd, trailers, done }

    public private(set) var body: [UInt8] = []
    private var state = State.size
    private var trailerBytes = 0
    private let limits: HTTPLimits

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    public var isComplete: Bool { state == .done }

    /// Consumes as much of `input` as forms whole protocol elements; returns the count consumed.
    public mutating func feed(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var i = input.startIndex
        while i < input.endIndex, state != .done {
            switch state {
            case .size:
                guard let end = input.firstCRLF(from: i) else {
                    // A line of exactly the limit is still incomplete while its LF (at i + limit + 1) is missing.
                    if input.endIndex - i >= limits.maxChunkLineBytes + 2 { throw .badRequest("chunk-size line too long") }
                    return i - input.startIndex
                }
                guard end - i <= limits.maxChunkLineBytes else { throw .badRequest("chunk-size line too long") }
                let line = input[i..<end]
                let digits = line.prefix { PercentDecoding.hex($0) != nil }
                guard !digits.isEmpty, digits.count <= 16 else { throw .badRequest("malformed chunk size") }
                let rest = line.dropFirst(digits.count)
                // Only chunk extensions (";name=value", optionally after whitespace) may follow the size.
                let afterSpace = rest.drop { ByteClasses.isOWS($0) }
                guard rest.isEmpty || afterSpace.first == UInt8(ascii: ";") else { throw .badRequest("malformed chunk size") }
                guard rest.allSatisfy({ $0 == ByteClasses.ht || ($0 >= 0x20 && $0 != 0x7F) }) else {
                    throw .badRequest("control character in a chunk extension")
                }
                let size = digits.reduce(0) { $0 << 4 | Int(PercentDecoding.hex($1)!) }
                guard size >= 0, size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                state = size == 0 ? .trailers : .data(remaining: size)
                i = end + 2
            case .data(let remaining):
                let n = min(remaining, input.endIndex - i)
                body.append(contentsOf: input[i..<(i + n)])
                i += n
                state = remaining == n ? .dataEnd : .data(remaining: remaining - n)
            case .dataEnd:
                guard input.endIndex - i >= 2 else { return i - input.startIndex }
                guard input[i] == ByteClasses.cr, input[i + 1] == ByteClasses.lf else { throw .badRequest("chunk data not followed by CRLF") }
                i += 2
                state = .size
            case .trailers:
                guard let end = input.firstCRLF(from: i) else {
                    if trailerBytes + (input.endIndex - i) > limits.maxHeaderBytes { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                    return i - input.startIndex
                }
                trailerBytes += end - i + 2
                guard trailerBytes <= limits.maxHeaderBytes else { throw .headersTooLarge(limit: limits.maxHeaderBytes) }
                let line = input[i..<end]
                guard line.allSatisfy({ $0 != 0 && $0 != ByteClasses.cr && $0 != ByteClasses.lf }) else {
                    throw .badRequest("malformed trailer field")
                }
                if line.isEmpty { state = .done }
                i = end + 2
            case .done:
                break
            }
        }
        return i - input.startIndex
    }
}
