// libFuzzer entry point for the HTTP request parser, body framing, chunked decoder and request reader.
// Built by scripts/fuzz.sh together with Sources/HTTP/{Core,Parsing} as one module.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkParsers(bytes)
    checkReaderIgnoresChunking(bytes)
    return 0
}

/// The pieces one at a time: what they return stays within the input and the limits.
func checkParsers(_ bytes: [UInt8]) {
    var limits = HTTPLimits()
    limits.maxBodyBytes = 1 << 20
    guard case .complete(let head, let consumed)? = try? RequestHeadParser.parse(bytes[...], limits: limits) else { return }
    precondition(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
    precondition(head.path.hasPrefix("/") || head.path == "*")
    precondition(RequestHeadParser.requestLinePath(bytes[...], limits: limits) == head.path, "the request line's path is the head's")
    switch try? BodyFraming.of(head, limits: limits) {
    case .chunked?:
        var decoder = ChunkedDecoder(limits: limits)
        if let used = try? decoder.feed(bytes[consumed...]) {
            precondition(used <= bytes.count - consumed)
            precondition(decoder.body.count <= limits.maxBodyBytes)
        }
    case .contentLength(let length)?:
        precondition(length > 0 && length <= limits.maxBodyBytes)
    default:
        break
    }
}

/// The request reader, fed the input whole and then in chunks of 1–32 bytes (sizes drawn from a generator
/// seeded by the input), must make the same events; small limits so that the fuzzer reaches every one.
func checkReaderIgnoresChunking(_ bytes: [UInt8]) {
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 64
    limits.maxHeaderBytes = 256
    limits.maxHeaderCount = 8
    limits.maxBodyBytes = 512
    limits.maxChunkLineBytes = 16
    let whole = readerEvents([bytes[...]], limits: limits)
    var state = bytes.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } // FNV-1a
    var chunks: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 // LCG step
        let end = min(bytes.count, start + 1 + Int((state >> 33) % 32))
        chunks.append(bytes[start..<end])
        start = end
    }
    let chunked = readerEvents(chunks, limits: limits)
    precondition(chunked == whole, "chunks \(chunks.map(\.count)) give \(chunked), the whole input \(whole)")
    for event in whole {
        if case .body(let body) = event { precondition(body.count <= limits.maxBodyBytes) }
    }
}

func readerEvents(_ chunks: [ArraySlice<UInt8>], limits: HTTPLimits) -> [RequestReader.Event] {
    var reader = RequestReader(limits: limits)
    var events: [RequestReader.Event] = []
    for chunk in chunks {
        reader.append(contentsOf: chunk)
        while let event = reader.next() { events.append(event) }
        precondition(reader.bufferedByteCount <= chunks.reduce(0) { $0 + $1.count })
    }
    return events
}
