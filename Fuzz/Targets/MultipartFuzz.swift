// libFuzzer entry point for the multipart/form-data parser. The first line of the input is the
// Content-Type, the rest is the body, so the fuzzer explores boundaries and bodies together.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
    guard let boundary = try? MultipartParser.boundary(contentType: contentType) else { return 0 }
    if let parts = try? MultipartParser.parse(body, boundary: boundary) {
        precondition(parts.count <= MultipartParser.maxParts)
        precondition(parts.reduce(0) { $0 + $1.body.count } <= body.count)
    }
    return 0
}
