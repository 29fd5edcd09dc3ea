import Foundation
import ShuffleNet
import TestSupport
import XCTest

/// The binary tensor data framing of `POST /v2/models/{m}/infer`, over a raw socket: every malformed frame
/// is a 400 (or 413) with the protocol's `{"error": "..."}` body, never a 5xx, a hang or a dropped connection.
/// (On the shared service of ServiceTests.)
extension ServiceTests {
    static let v2Model = "shufflenet_v1_g3_0.5x"

    /// Sends one infer request with `headerLength` as `Inference-Header-Content-Length` (nil: none) and returns
    /// the response; asserts the protocol's error shape on any non-200.
    func v2Infer(json: String, binary: [UInt8] = [], headerLength: String?, file: StaticString = #filePath, line: UInt = #line) throws -> RawResponse {
        let s = try service()
        let client = try RawClient(port: s.port)
        defer { client.close() }
        let body = Array(json.utf8) + binary
        var head = "POST /v2/models/\(Self.v2Model)/infer HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.count)\r\n"
        if let headerLength { head += "Inference-Header-Content-Length: \(headerLength)\r\n" }
        try client.send(Array((head + "\r\n").utf8) + body)
        let response = try XCTUnwrap(try client.readResponse(), "no response", file: file, line: line)
        if response.status != 200 {
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            XCTAssertNotNil(object?["error"] as? String, "not the protocol's error shape: \(response.text)", file: file, line: line)
            XCTAssertLessThan(response.status, 500, response.text, file: file, line: line)
        }
        return response
    }

    var fp32Input: String { #"{"inputs":[{"name":"input","shape":[1,3,224,224],"datatype":"FP32","parameters":{"binary_data_size":602112}}]}"# }

    func testAHeaderLengthLargerThanTheBodyIsRefused() throws {
        let response = try v2Infer(json: fp32Input, headerLength: String(fp32Input.utf8.count + 10))
        XCTAssertEqual(response.status, 400, response.text)
    }

    func testANegativeOrNonNumericHeaderLengthIsRefused() throws {
        for value in ["-1", "12abc", ""] {
            XCTAssertEqual(try v2Infer(json: fp32Input, headerLength: value).status, 400, value)
        }
    }

    func testBinarySizesWithoutTheHeaderAreRefused() throws {
        let response = try v2Infer(json: fp32Input, binary: [UInt8](repeating: 0, count: 602_112), headerLength: nil)
        XCTAssertEqual(response.status, 400, response.text)
    }

    func testAShortBinaryPayloadIsRefused() throws {
        let response = try v2Infer(json: fp32Input, binary: [UInt8](repeating: 0, count: 1000), headerLength: String(fp32Input.utf8.count))
        XCTAssertEqual(response.status, 400, response.text)
    }

    func testABytesElementLengthRunningPastTheEndIsRefused() throws {
        let json = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":8}}]}"#
        // A 4-byte little-endian length of 1000, then only 4 bytes.
        let response = try v2Infer(json: json, binary: [0xE8, 0x03, 0, 0, 1, 2, 3, 4], headerLength: String(json.utf8.count))
        XCTAssertEqual(response.status, 400, response.text)
    }

    func testAShapeWhoseElementCountOverflowsIsRefused() throws {
        let json = #"{"inputs":[{"name":"input","shape":[9223372036854775807,3,224,224],"datatype":"FP32","data":[1]}]}"#
        let response = try v2Infer(json: json, headerLength: nil)
        XCTAssertTrue([400, 413].contains(response.status), response.text)
    }

    func testJSONNestedDeeperThanTheLimitIsRefused() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        // Deep in a parameter the service ignores: the reader's depth limit, not the tensor's shape, refuses it.
        let json = #"{"parameters":{"x":"# + deep + #"},"inputs":[{"name":"input","shape":[1],"datatype":"FP32","data":[1]}]}"#
        let response = try v2Infer(json: json, headerLength: nil)
        XCTAssertEqual(response.status, 400, response.text)
        XCTAssertTrue(response.text.contains("64"), "names the limit: \(response.text)")
    }

    func testBothOrNeitherInputIsRefused() throws {
        XCTAssertEqual(try v2Infer(json: #"{"inputs":[]}"#, headerLength: nil).status, 400)
        let both = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["x"]},{"name":"input","shape":[1,3,224,224],"datatype":"FP32","data":[0]}]}"#
        XCTAssertEqual(try v2Infer(json: both, headerLength: nil).status, 400)
    }

    func testAnUndecodableImageIsABadRequest() throws {
        let json = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["not an image"]}]}"#
        let response = try v2Infer(json: json, headerLength: nil)
        XCTAssertEqual(response.status, 400, response.text)
    }

    func testMoreImagesThanTheBatchLimitIs413() throws {
        let items = Array(repeating: #""x""#, count: 33).joined(separator: ",")
        let json = #"{"inputs":[{"name":"image","shape":[33],"datatype":"BYTES","data":["# + items + "]}]}"
        let response = try v2Infer(json: json, headerLength: nil)
        XCTAssertEqual(response.status, 413, response.text)
        XCTAssertTrue(response.text.contains("32"), response.text)
    }

    /// Binary FP32 is read in place from the body, at whatever byte offset the JSON part leaves it (here an odd
    /// one), image after image: the reference logits for each, as for the same numbers sent as JSON; and a
    /// request pipelined right behind the body is answered too.
    func testBinaryFP32AtAnOddOffsetGivesTheReferenceLogits() throws {
        let s = try service()
        let chelsea = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_chelsea.io.safetensors"))
        let coffee = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_coffee.io.safetensors"))
        let floats = chelsea.input.data + coffee.input.data
        var json = #"{"inputs":[{"name":"input","shape":[2,3,224,224],"datatype":"FP32","parameters":{"binary_data_size":1204224}}],"#
            + #""outputs":[{"name":"logits","parameters":{"binary_data":true}}]}"#
        while json.utf8.count % 4 != 1 { json += " " }
        let body = Array(json.utf8) + floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let client = try RawClient(port: s.port)
        defer { client.close() }
        let head = "POST /v2/models/\(Self.v2Model)/infer HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n"
            + "Inference-Header-Content-Length: \(json.utf8.count)\r\n\r\n"
        try client.send(Array(head.utf8) + body + Array("GET /v2/health/live HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
        let response = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(response.status, 200, response.text)
        let jsonLength = try XCTUnwrap(Int(response.header("Inference-Header-Content-Length") ?? ""))
        let logits = stride(from: jsonLength, to: response.body.count, by: 4).map { offset in
            Float(bitPattern: response.body[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
        }
        XCTAssertEqual(logits.count, 2000)
        for (index, golden) in [chelsea, coffee].enumerated() {
            let row = Array(logits[index * 1000..<(index + 1) * 1000])
            XCTAssertLessThan(ReferenceIO.relativeError(row, golden.logits), 1e-4, "image \(index)")
        }
        XCTAssertEqual(try XCTUnwrap(try client.readResponse()).status, 200, "the pipelined request")
    }

    /// A 100 MB declared body is refused from its Content-Length, before any of it is read or buffered.
    func testAHundredMegabyteTensorIsRefusedBeforeItIsRead() throws {
        let s = try service()
        let client = try RawClient(port: s.port)
        defer { client.close() }
        let json = #"{"inputs":[{"name":"input","shape":[50,3,1024,1024],"datatype":"FP32","parameters":{"binary_data_size":629145600}}]}"#
        let declared = json.utf8.count + 629_145_600
        try client.send("POST /v2/models/\(Self.v2Model)/infer HTTP/1.1\r\nHost: t\r\nContent-Length: \(declared)\r\nInference-Header-Content-Length: \(json.utf8.count)\r\n\r\n" + json)
        let response = try XCTUnwrap(try client.readResponse())
        XCTAssertEqual(response.status, 413, response.text)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        XCTAssertNotNil(object?["error"] as? String, "the HTTP layer's 413 on a /v2 path has the protocol's shape: \(response.text)")
    }
}
