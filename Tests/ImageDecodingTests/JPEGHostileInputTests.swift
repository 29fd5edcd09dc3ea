import ImageDecoding
import ShuffleNet
import XCTest

/// Hostile and broken JPEGs are refused with typed errors, judged from the headers before any pixel is
/// allocated where the headers say enough; libjpeg's own errors come back as messages, never as exit().
final class JPEGHostileInputTests: VariantFixtureTestCase {
    func jpeg(_ name: String) throws -> [UInt8] { try variants().bytes(name) }

    func error(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) -> ImageDecodingError? { decodingError(bytes, limits: limits) }

    /// The index of the first `FF marker` pair.
    func offset(of marker: UInt8, in bytes: [UInt8]) throws -> Int {
        try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == marker }, "no marker \(marker)")
    }

    func testTruncatedDataCarriesLibjpegsMessage() throws {
        for name in ["baseline-420", "progressive-420", "arithmetic", "cmyk", "restart-blocks"] {
            let bytes = try jpeg(name)
            let firstScan = try offset(of: 0xDA, in: bytes)
            for cut in [firstScan + 20, bytes.count / 2, bytes.count - 2, bytes.count - 1] {
                let prefix = Array(bytes.prefix(cut))
                XCTAssertNoThrow(try ImageDecoder.probe(prefix), "\(name) cut at \(cut): the headers are all there")
                XCTAssertEqual(error(prefix), .decodeFailed(format: .jpeg, reason: "Premature end of JPEG file"), "\(name) cut at \(cut)")
            }
            // Huffman-coded data cut short and followed by a marker: libjpeg's "premature end of data segment"
            // warning. (In arithmetic coding a marker inside the data is legal: the rest decodes as zeros.)
            if name != "arithmetic" && !name.hasPrefix("progressive") {
                let patched = Array(bytes.prefix(bytes.count / 2)) + [0xFF, 0xD9]
                XCTAssertEqual(error(patched), .decodeFailed(format: .jpeg, reason: "Corrupt JPEG data: premature end of data segment"), name)
            }
            // Headers cut short are refused by the probe.
            let sof = try offset(of: name.hasPrefix("progressive") ? 0xC2 : name == "arithmetic" ? 0xC9 : 0xC0, in: bytes)
            XCTAssertEqual(error(Array(bytes.prefix(sof + 5))),
                           .invalidHeader(format: .jpeg, reason: "the data ends after \(sof + 5) bytes, before the frame header (SOF)"), name)
            XCTAssertEqual(error(Array(bytes.prefix(firstScan))),
                           .invalidHeader(format: .jpeg, reason: "the data ends after \(firstScan) bytes, before the first scan (SOS)"), name)
        }
    }

    func testHugeDimensionsAreRefusedFromTheHeaderAlone() throws {
        var bytes = try jpeg("baseline-420")
        let sof = try offset(of: 0xC0, in: bytes)
        // SOF0: FF C0, length, precision, height, width: 65500 × 65500 is 4.3 G pixels (12.9 GB of RGB).
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFF, 0xDC, 0xFF, 0xDC])
        XCTAssertEqual(error(bytes), .tooManyPixels(width: 65500, height: 65500, limit: 40_000_000))
        XCTAssertEqual(ImageDecodingError.tooManyPixels(width: 65500, height: 65500, limit: 40_000_000).description,
                       "image is 65500×65500 = 4290250000 pixels, over the limit of 40000000 pixels")
        // The limit is configurable and applies to small images too.
        let real = try jpeg("baseline-420")
        XCTAssertEqual(error(real, limits: DecodeLimits(maxPixels: 203 * 131 - 1)), .tooManyPixels(width: 203, height: 131, limit: 203 * 131 - 1))
        XCTAssertNil(error(real, limits: DecodeLimits(maxPixels: 203 * 131)))
    }

    func testManyScansAreRefusedBeforeDecoding() throws {
        let fixtures = try variants()
        let bytes = try fixtures.bytes("many-scans")
        XCTAssertThrowsError(try ImageDecoder.probe(bytes)) { error in
            XCTAssertEqual(error as? ImageDecodingError, .tooManyScans(count: 200, limit: 100))
        }
        // Allowed by a larger limit, it decodes to Pillow's pixels.
        let header = try ImageDecoder.probe(bytes, limits: DecodeLimits(maxScans: 200))
        let image = try ImageDecoder.decode(bytes, header: header)
        XCTAssertLessThanOrEqual(worstDifference(image, try fixtures.reference("many-scans")), 1)
        // libjpeg itself stops at the scans the header counted: a header probed from the first 150 scans does
        // not let the whole stream through.
        let scanStarts = (0..<bytes.count - 1).filter { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }
        let shorter = Array(bytes.prefix(scanStarts[150]))
        let shorterHeader = try ImageDecoder.probe(shorter, limits: DecodeLimits(maxScans: 200))
        guard case .jpeg(let facts) = shorterHeader.details else { return XCTFail("not a JPEG header") }
        XCTAssertEqual(facts.scans, 150)
        XCTAssertThrowsError(try ImageDecoder.decode(bytes, header: shorterHeader)) { error in
            XCTAssertEqual(error as? ImageDecodingError, .tooManyScans(count: 151, limit: 150))
        }
    }

    func testManyMarkersAreRefusedBeforeDecoding() throws {
        let bytes = try jpeg("baseline-420")
        guard case .jpeg(let facts) = try ImageDecoder.probe(bytes).details else { return XCTFail("not a JPEG header") }
        let comment: [UInt8] = [0xFF, 0xFE, 0x00, 0x04, 0x68, 0x69]
        let padded = Array(bytes.prefix(2)) + Array([[UInt8]](repeating: comment, count: 1500).joined()) + bytes.dropFirst(2)
        XCTAssertEqual(error(padded), .tooManyMarkers(count: facts.markers + 1500, limit: 1000))
        let limits = DecodeLimits(maxMarkers: 5000)
        XCTAssertEqual(try ImageDecoder.decode(padded, limits: limits), try ImageDecoder.decode(bytes))
    }

    func testTwelveBitLosslessAndOtherVariantsAreRefusedClearly() throws {
        let bytes = try jpeg("baseline-420")
        let sof = try offset(of: 0xC0, in: bytes)
        func patched(_ edit: (inout [UInt8]) -> Void) -> [UInt8] {
            var copy = bytes
            edit(&copy)
            return copy
        }
        let twelveBit = patched { $0[sof + 1] = 0xC1; $0[sof + 4] = 12 }
        XCTAssertEqual(error(twelveBit), .unsupportedVariant(format: .jpeg, reason: "12-bit samples (only 8-bit JPEGs are supported)"))
        XCTAssertEqual(error(twelveBit)?.description, "unsupported JPEG: 12-bit samples (only 8-bit JPEGs are supported)")
        XCTAssertEqual(error(patched { $0[sof + 1] = 0xC3 }), .unsupportedVariant(format: .jpeg, reason: "lossless JPEG (SOF3) is not supported"))
        XCTAssertEqual(error(patched { $0[sof + 1] = 0xC5 }), .unsupportedVariant(format: .jpeg, reason: "hierarchical JPEG (SOF5) is not supported"))
        XCTAssertEqual(error(patched { $0[sof + 5] = 0; $0[sof + 6] = 0 }),
                       .unsupportedVariant(format: .jpeg, reason: "the height is given later by a DNL marker (libjpeg does not support it)"))
        XCTAssertEqual(error(patched { $0[sof + 11] = 0x51 }),
                       .invalidHeader(format: .jpeg, reason: "component 0 has sampling factors 5x1 (1…4 allowed)"))
    }

    func testBrokenStructureIsExplained() throws {
        let bytes = try jpeg("baseline-420")
        let sos = try offset(of: 0xDA, in: bytes)
        let sof = try offset(of: 0xC0, in: bytes)
        XCTAssertEqual(error([0xFF, 0xD8, 0xFF, 0xD8] + bytes.dropFirst(2)),
                       .invalidHeader(format: .jpeg, reason: "a second start-of-image marker (SOI)"))
        XCTAssertEqual(error([0xFF, 0xD8, 0xFF, 0xD9]), .invalidHeader(format: .jpeg, reason: "end of image (EOI) before any scan"))
        XCTAssertEqual(error([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01] + bytes.dropFirst(2)),
                       .invalidHeader(format: .jpeg, reason: "marker 0xE0 has length 1"))
        XCTAssertEqual(error(Array(bytes.prefix(2)) + Array(bytes[sos...])),
                       .invalidHeader(format: .jpeg, reason: "a scan (SOS) before the frame header (SOF)"))
        XCTAssertEqual(error(Array(bytes.prefix(sos)) + [0xFF, 0xC8, 0x00, 0x02] + Array(bytes[sos...])),
                       .invalidHeader(format: .jpeg, reason: "marker 0xC8 is not one libjpeg accepts"))
        let sofSegment = Array(bytes[sof..<(sof + 2 + Int(bytes[sof + 2]) << 8 + Int(bytes[sof + 3]))])
        XCTAssertEqual(error(Array(bytes.prefix(sos)) + sofSegment + Array(bytes[sos...])),
                       .invalidHeader(format: .jpeg, reason: "a second frame header (SOF)"))
        // Errors only libjpeg sees come back with its words: a quantisation table numbered 7 (DQT Pq/Tq byte).
        let dqt = try offset(of: 0xDB, in: bytes)
        var badTable = bytes
        badTable[dqt + 4] = 0x07
        XCTAssertEqual(error(badTable), .decodeFailed(format: .jpeg, reason: "Bogus DQT index 7"))
    }

    /// Stray bytes before a marker make libjpeg warn, not fail (as Pillow reads them); the variant test holds
    /// the pixels to Pillow's.
    func testRecoverableCorruptionIsToleratedLikePillow() throws {
        XCTAssertNil(error(try jpeg("extraneous-bytes")))
    }

    /// Random byte changes to real JPEGs: every result is an image of the header's size or a typed error.
    func testMutatedJPEGsNeverCrash() throws {
        var random = SplitMix64(seed: 0x1_5eed)
        var decoded = 0, refused = 0
        for name in ["baseline-420", "progressive-420", "arithmetic", "cmyk", "grayscale", "orientation-6"] {
            let original = try jpeg(name)
            for _ in 0..<60 {
                var bytes = original
                for _ in 0..<Int(random.next() % 8 + 1) {
                    bytes[Int(random.next() % UInt64(bytes.count - 3)) + 3] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.next() % 4 == 0 { bytes.removeLast(Int(random.next() % UInt64(bytes.count / 2))) }
                do {
                    let header = try ImageDecoder.probe(bytes)
                    let image = try ImageDecoder.decode(bytes, header: header)
                    XCTAssertEqual(image.width * image.height, header.width * header.height, name)
                    decoded += 1
                } catch {
                    // The signature is intact (changes start at byte 3) and the images are small.
                    if case .unsupportedFormat = error { XCTFail("\(name): \(error)") }
                    if case .outOfMemory = error { XCTFail("\(name): \(error)") }
                    refused += 1
                }
            }
        }
        XCTAssertGreaterThan(decoded, 0)
        XCTAssertGreaterThan(refused, 0)
    }
}
