// libFuzzer entry point for the HTTP request parser, body framing and chunked decoder.
// Built by scripts/fuzz.sh together with Sources/HTTP/{Core,Parsing} as one module.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = HTTPLimits()
    limits.maxBodyBytes = 1 << 20
    guard case .complete(let head, let consumed)? = try? RequestHeadParser.parse(bytes[...], limits: limits) else { return 0 }
    precondition(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
    precondition(head.path.hasPrefix("/") || head.path == "*")
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
    return 0
}
