import ImageDecoding
import TestSupport
import XCTest

final class PNGDecoderTests: XCTestCase {

    func testAHandMadePNGDecodes() throws {
        let pixels: [UInt8] = (0..<(5 * 3 * 3)).map { UInt8($0 * 5) }
        let image = try ImageDecoder.decode(PNGWriter.rgb8(width: 5, height: 3, pixels: pixels))
        XCTAssertEqual(image, RGBImage(width: 5, height: 3, pixels: pixels))
    }

    func testAJPEGGoesThroughTheSameEntryPoint() throws {
        let bytes = try SharedFixtures.data("images/rocket.jpg")
        XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
        XCTAssertTrue(ImageFormat.jpeg.isSupported)
        let header = try ImageDecoder.probe(bytes)
        XCTAssertEqual(header.format, .jpeg)
        let image = try ImageDecoder.decode(bytes, header: header)
        XCTAssertEqual(image.width, 640)
        XCTAssertEqual(image.height, 427)
    }

    func testOtherFormatsAreRefusedByName() {
        let cases: [(String, [UInt8], ImageFormat, String)] = [
            ("empty", [], .empty, "empty"), ("gif", Array("GIF89a....".utf8), .gif, "GIF"),
            ("webp", Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), .webp, "WebP"),
            ("heic", [0, 0, 0, 0x18] + Array("ftypheic".utf8) + [0, 0, 0, 0], .heic, "HEIC"),
            ("avif", [0, 0, 0, 0x18] + Array("ftypavif".utf8) + [0, 0, 0, 0], .avif, "AVIF"),
            ("pdf", Array("%PDF-1.7".utf8), .pdf, "PDF"), ("html", Array("  <!DOCTYPE html><html>".utf8), .html, "HTML"),
            ("json", Array("{\"a\": 1}".utf8), .json, "JSON"), ("text", Array("hello there".utf8), .text, "text"),
            ("tiff", [0x49, 0x49, 0x2A, 0x00, 1, 2], .tiff, "TIFF"), ("gzip", [0x1F, 0x8B, 8, 0], .gzip, "gzip"),
            ("bmp", Array("BM".utf8) + [UInt8](repeating: 0, count: 20), .bmp, "BMP"),
            ("binary", [0x00, 0xFF, 0x10, 0x01, 0x02], .unknown, "unknown"),
        ]
        for (name, bytes, format, word) in cases {
            XCTAssertEqual(ImageFormat.sniff(bytes), format, name)
            XCTAssertFalse(format.isSupported, name)
            let error = decodingError(bytes)
            XCTAssertEqual(error, .unsupportedFormat(format), name)
            XCTAssertTrue(error?.description.contains(word) == true, "\(name): \(error?.description ?? "no error")")
        }
        XCTAssertEqual(ImageDecodingError.unsupportedFormat(.webp).description,
                       "unsupported image format: the data looks like a WebP image; send a PNG or a JPEG")
    }

    func testHugeDimensionsAreRefusedFromTheHeaderAlone() throws {
        // IHDR claims 100000 × 100000 (10 G pixels, 30 GB of RGB); there is no image data at all.
        let bomb = PNGWriter.signature + PNGWriter.ihdr(width: 100_000, height: 100_000) + PNGWriter.chunk("IEND", [])
        XCTAssertThrowsError(try ImageDecoder.probe(bomb))
        XCTAssertEqual(try ImageDecoder.probe(bomb, limits: DecodeLimits(maxPixels: 10_000_000_000)).width, 100_000)
        XCTAssertEqual(decodingError(bomb), .tooManyPixels(width: 100_000, height: 100_000, limit: 40_000_000))
        // The limit is configurable, and applies to small images too.
        let small = PNGWriter.rgb8(width: 4, height: 4, pixels: .init(repeating: 9, count: 48))
        XCTAssertEqual(decodingError(small, limits: DecodeLimits(maxPixels: 15)), .tooManyPixels(width: 4, height: 4, limit: 15))
        XCTAssertNil(decodingError(small, limits: DecodeLimits(maxPixels: 16)))
    }

    func testInvalidHeadersAreExplained() {
        let sig = PNGWriter.signature
        XCTAssertEqual(decodingError(sig + [0, 0]), .invalidHeader(format: .png, reason: "the file ends after 10 bytes, before the 13-byte IHDR chunk is complete"))
        XCTAssertEqual(decodingError(sig + PNGWriter.chunk("IDAT", [UInt8](repeating: 0, count: 13)) + [0]), .invalidHeader(format: .png, reason: "the first chunk is 'IDAT', not IHDR"))
        XCTAssertEqual(decodingError(sig + PNGWriter.ihdr(width: 0, height: 5)), .invalidHeader(format: .png, reason: "dimensions 0×5 are outside 1…2147483647"))
        XCTAssertEqual(decodingError(sig + PNGWriter.ihdr(width: 5, height: 5, bitDepth: 3)), .invalidHeader(format: .png, reason: "bit depth 3 is not allowed with colour type 2"))
        XCTAssertEqual(decodingError(sig + PNGWriter.ihdr(width: 5, height: 5, colorType: 5)), .invalidHeader(format: .png, reason: "colour type 5 does not exist"))
    }

    func testTruncatedAndCorruptStreamsCarryLibpngsReason() throws {
        let chelsea = try SharedFixtures.data("images/chelsea.png")
        for cut in [40, 100, chelsea.count / 2, chelsea.count - 13] {
            guard case .decodeFailed(.png, let reason)? = decodingError(Array(chelsea.prefix(cut))) else {
                return XCTFail("cut at \(cut) was not refused as a decode failure")
            }
            XCTAssertFalse(reason.isEmpty, "cut at \(cut)")
        }
        // A wrong CRC on the critical IDAT chunk.
        let raw: [UInt8] = [0, 1, 2, 3]
        let badCRC = PNGWriter.signature + PNGWriter.ihdr(width: 1, height: 1) + PNGWriter.chunk("IDAT", PNGWriter.zlibStored(raw), corruptCRC: true) + PNGWriter.chunk("IEND", [])
        guard case .decodeFailed(.png, let reason)? = decodingError(badCRC) else { return XCTFail("bad CRC accepted") }
        XCTAssertTrue(reason.lowercased().contains("crc"), reason)
        // Image data that is not a zlib stream.
        let garbage = PNGWriter.signature + PNGWriter.ihdr(width: 2, height: 2) + PNGWriter.chunk("IDAT", [1, 2, 3, 4, 5]) + PNGWriter.chunk("IEND", [])
        guard case .decodeFailed? = decodingError(garbage) else { return XCTFail("garbage IDAT accepted") }
    }
}
