import Foundation
import ShuffleNet
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    /// A raw file: u64le header length, the header text, then `data`.
    func file(header: String, data: [UInt8] = []) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
        bytes += Array(header.utf8) + data
        return bytes
    }

    func parseError(_ bytes: [UInt8]) -> String {
        do {
            _ = try bytes.withUnsafeBytes { try Safetensors.parseHeader($0) }
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testSerializeThenParseRoundTrips() throws {
        let tensors = [Safetensors.OutputTensor(name: "a", shape: [2, 2], floats: [1, -2, 3.5, 0]),
                       Safetensors.OutputTensor(name: "b.c", shape: [3], floats: [7, 8, 9])]
        let bytes = Safetensors.serialize(tensors, metadata: ["k": "v"])
        try bytes.withUnsafeBytes { raw in
            let header = try Safetensors.parseHeader(raw)
            XCTAssertEqual(header.metadata, ["k": "v"])
            XCTAssertEqual(header.names, ["a", "b.c"])
            XCTAssertEqual(try Safetensors.floats(header.entries["a"]!, in: raw), [1, -2, 3.5, 0])
            XCTAssertEqual(try Safetensors.floats(header.entries["b.c"]!, in: raw), [7, 8, 9])
        }
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "header padded so tensor data starts 8-byte aligned")
        XCTAssertEqual(bytes.count, 8 + headerLength + 7 * 4)
    }

    func testHalfPrecisionIsConverted() throws {
        // 1.0, -2.0, 65504 (max half), 2⁻²⁴ (smallest subnormal)
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        let data = halves.flatMap { h in withUnsafeBytes(of: h.littleEndian) { Array($0) } }
        let bytes = file(header: #"{"x":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, data: data)
        try bytes.withUnsafeBytes { raw in
            let header = try Safetensors.parseHeader(raw)
            XCTAssertEqual(try Safetensors.floats(header.entries["x"]!, in: raw), [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
        }
    }

    func testMalformedHeadersAreRefusedWithTheReason() {
        XCTAssertTrue(parseError([1, 2, 3]).contains("8-byte header length"))
        XCTAssertTrue(parseError(withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Array($0) }).contains("exceeds"))
        XCTAssertTrue(parseError(file(header: "{\"a\": ")).contains("not valid JSON"))
        XCTAssertTrue(parseError(Array(file(header: "{}").prefix(9))).contains("truncated"))
        XCTAssertTrue(parseError(file(header: "[1,2]")).contains("not a JSON object"))
        XCTAssertTrue(parseError(file(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0])).contains("tensor 'x'"))
        XCTAssertTrue(parseError(file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: .init(repeating: 0, count: 16))).contains("needs 12"))
        XCTAssertTrue(parseError(file(header: #"{"x":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])).contains("unknown dtype"))
        XCTAssertTrue(parseError(file(header: #"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])).contains("invalid dimension"))
        XCTAssertTrue(parseError(file(header: #"{"x":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])).contains("invalid dimension"))
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        XCTAssertTrue(parseError(file(header: overlap, data: .init(repeating: 0, count: 8))).contains("overlap"))
        XCTAssertTrue(parseError(file(header: #"{"__metadata__":{"k":1}}"#)).contains("metadata 'k'"))
    }

    func testModelValidationNamesTheBadTensor() throws {
        let path = try SharedFixtures.path("reference/random/g3_0.25x.safetensors")
        let original = try MappedFile(path: path)
        let header = try Safetensors.parseHeader(original.bytes)
        func rebuilt(_ edit: (inout [Safetensors.OutputTensor]) -> Void) throws -> String {
            var tensors = header.names.map { name -> Safetensors.OutputTensor in
                let entry = header.entries[name]!
                return Safetensors.OutputTensor(name: name, dtype: entry.dtype, shape: entry.shape, data: Array(original.bytes[entry.byteRange]))
            }
            edit(&tensors)
            let bytes = Safetensors.serialize(tensors, metadata: header.metadata)
            do {
                _ = try bytes.withUnsafeBytes { try ShuffleNetModel.parse($0) }
                return ""
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(try rebuilt { _ in }, "")
        let missing = try rebuilt { $0.removeAll { $0.name == "features.5.branch_main_1.3.weight" } }
        XCTAssertTrue(missing.contains("'features.5.branch_main_1.3.weight' is missing") && missing.contains("[30, 1, 3, 3]"), missing)
        let shape = try rebuilt { list in
            let i = list.firstIndex { $0.name == "classifier.0.weight" }!
            list[i] = Safetensors.OutputTensor(name: list[i].name, dtype: "F32", shape: [240, 1000], data: list[i].data)
        }
        XCTAssertTrue(shape.contains("'classifier.0.weight' has shape [240, 1000], expected [1000, 240]"), shape)
        let nan = try rebuilt { list in
            let i = list.firstIndex { $0.name == "first_conv.1.running_var" }!
            var data = list[i].data
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { data.replaceSubrange(4..<8, with: $0) }
            list[i] = Safetensors.OutputTensor(name: list[i].name, dtype: "F32", shape: list[i].shape, data: data)
        }
        XCTAssertTrue(nan.contains("'first_conv.1.running_var' holds nan at element 1"), nan)
        let dtype = try rebuilt { list in
            let i = list.firstIndex { $0.name == "first_conv.1.bias" }!
            list[i] = Safetensors.OutputTensor(name: list[i].name, dtype: "I32", shape: list[i].shape, data: list[i].data)
        }
        XCTAssertTrue(dtype.contains("'first_conv.1.bias' has dtype I32"), dtype)
    }

    func testMissingFileIsAnIOError() {
        XCTAssertThrowsError(try ShuffleNetModel.load(path: "/nonexistent/model.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("cannot read /nonexistent/model.safetensors"), "\(error)")
        }
    }
}
