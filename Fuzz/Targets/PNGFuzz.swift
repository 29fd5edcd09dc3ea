// libFuzzer entry point for the PNG path: format sniffing, the IHDR probe, limits and libpng decoding
// through the C shim (built with AddressSanitizer too).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = ImageFormat.sniff(bytes)
    if let image = try? ImageDecoder.decode(bytes, limits: DecodeLimits(maxPixels: 1 << 20)) {
        precondition(image.pixels.count == image.width * image.height * 3 && image.width * image.height <= 1 << 20)
    }
    return 0
}
