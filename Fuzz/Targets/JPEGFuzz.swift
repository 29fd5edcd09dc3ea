// libFuzzer entry point for the JPEG path: format sniffing, the marker walk (frame header, Exif/XMP
// orientation, scan and marker counts), libjpeg decoding through the C shim (built with AddressSanitizer too),
// reduced-IDCT scaling and the orientation transform.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = DecodeLimits(maxPixels: 1 << 20, maxScans: 64, maxMarkers: 256)
    guard let header = try? ImageDecoder.probe(bytes, limits: limits) else { return 0 }
    precondition(header.width * header.height <= limits.maxPixels)
    for options in [DecodeOptions(), DecodeOptions(orientation: .ignore, jpegScaling: .fast(minShortSide: 8))] {
        do {
            let image = try ImageDecoder.decode(bytes, header: header, options: options)
            let size = options.jpegScaling.outputSize(width: header.width, height: header.height)
            let turned = options.orientation == .apply && header.orientation.swapsAxes
            precondition(image.width == (turned ? size.height : size.width) && image.height == (turned ? size.width : size.height))
            precondition(image.pixels.count == image.width * image.height * 3)
        } catch {
            // The marker walk counted the scans libjpeg may read; libjpeg finding more means they disagree.
            if case .tooManyScans = error { preconditionFailure("\(error)") }
        }
    }
    return 0
}
