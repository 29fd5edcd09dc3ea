// libFuzzer entry point for model files: the safetensors header, tensor bounds, metadata JSON,
// architecture inference and validation. Built with Sources/ShuffleNet as one module.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? Safetensors.parseHeader(bytes) {
        for entry in header.entries.values {
            precondition(entry.byteRange.lowerBound >= 8 && entry.byteRange.upperBound <= size)
            _ = try? Safetensors.floats(entry, in: bytes)
        }
    }
    _ = try? ShuffleNetModel.parse(bytes)
    return 0
}
