import XCTest
@testable import OpenInference

/// Requests the protocol allows, decoded into what they say.
final class RequestDecodingTests: XCTestCase {
    let values: [Float] = [0.5, -1.25, 3.0e-5, 255, 0.1, 1e10, -0, 7, 2.5, 0.333, 128, 1]

    func testTheProtocolDocumentsExampleRequest() throws {
        let json = #"""
        { "id" : "42", "inputs" : [
            { "name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ] },
            { "name" : "input1", "shape" : [ 3 ], "datatype" : "BOOL", "data" : [ true, false, true ] } ],
          "outputs" : [ { "name" : "output0" } ] }
        """#
        let request = try FramedBody(json: json).decode()
        XCTAssertEqual(request.id, "42")
        XCTAssertEqual(request.inputs.map(\.name), ["input0", "input1"])
        XCTAssertEqual(request.inputs[0].datatype, .uint32)
        XCTAssertEqual(request.inputs[0].shape, [2, 2])
        XCTAssertEqual(request.inputs[0].data, .raw([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]))
        XCTAssertEqual(request.inputs[1].data, .raw([1, 0, 1]))
        XCTAssertEqual(request.outputs, [RequestedOutput(name: "output0")])
        XCTAssertFalse(request.wantsBinaryData(forOutput: "output0"))
    }

    func testFlatAndNestedFP32DataDecodeToTheSameFloats() throws {
        let flat = "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
        // [1, 3, 2, 2] nested row-major, with whitespace everywhere JSON allows it.
        let rows = stride(from: 0, to: 12, by: 2).map { "[ \(values[$0]) ,\n\(values[$0 + 1]) ]" }
        let nested = "[[ " + [rows[0...1], rows[2...3], rows[4...5]].map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: ",\t") + " ]]"
        for data in [flat, nested] {
            let request = try FramedBody(json: #"{"inputs":[{"name":"input","shape":[1,3,2,2],"datatype":"FP32","data":"# + data + "}]}").decode()
            XCTAssertEqual(request.inputs[0].data.fp32?.map(\.bitPattern), values.map(\.bitPattern), data)
            XCTAssertEqual(request.inputs[0].elementCount, 12)
            XCTAssertNil(request.inputs[0].binaryDataSize)
        }
    }

    func testDataBeforeDatatypeAndShapeIsDecodedOnceTheyAreKnown() throws {
        let json = #"{"inputs":[{"data":[[1.5,2],[3,4]],"parameters":{"x":1},"shape":[2,2],"name":"m","datatype":"FP32"}],"id":""}"#
        let request = try FramedBody(json: json).decode()
        XCTAssertEqual(request.inputs[0].data, .fp32([1.5, 2, 3, 4]))
        XCTAssertEqual(request.inputs[0].parameters, ["x": .int(1)])
        XCTAssertEqual(request.id, "")
    }

    func testEveryIntegerTypeAtBothEndsOfItsRange() throws {
        let cases: [(TensorDatatype, String, [UInt8])] = [
            (.int8, "[-128,127]", [0x80, 0x7F]),
            (.uint8, "[0,255,-0]", [0, 255, 0]),
            (.int16, "[-32768,32767]", [0x00, 0x80, 0xFF, 0x7F]),
            (.uint16, "[65535]", [0xFF, 0xFF]),
            (.int32, "[-2147483648,2147483647]", [0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0x7F]),
            (.uint32, "[4294967295]", [0xFF, 0xFF, 0xFF, 0xFF]),
            (.int64, "[-9223372036854775808]", [0, 0, 0, 0, 0, 0, 0, 0x80]),
            (.uint64, "[18446744073709551615]", [UInt8](repeating: 0xFF, count: 8)),
        ]
        for (datatype, data, bytes) in cases {
            let count = bytes.count / datatype.elementSize!
            let json = #"{"inputs":[{"name":"t","shape":[\#(count)],"datatype":"\#(datatype)","data":\#(data)}]}"#
            XCTAssertEqual(try FramedBody(json: json).decode().inputs[0].data, .raw(bytes), "\(datatype)")
            // One past either end is refused, naming the element and the type.
            let over = data.replacingOccurrences(of: "127]", with: "128]").replacingOccurrences(of: "255,", with: "256,")
                .replacingOccurrences(of: "65535]", with: "65536]").replacingOccurrences(of: "4294967295]", with: "4294967296]")
                .replacingOccurrences(of: "-9223372036854775808]", with: "-9223372036854775809]")
                .replacingOccurrences(of: "18446744073709551615]", with: "18446744073709551616]")
                .replacingOccurrences(of: "-32768", with: "-32769").replacingOccurrences(of: "-2147483648", with: "-2147483649")
            assertRefused(json.replacingOccurrences(of: data, with: over), "out of range for \(datatype)")
        }
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"INT32","data":[1.0]}]}"#, "expected an integer")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"UINT8","data":[-1]}]}"#, "out of range for UINT8")
    }

    func testFP64AndBoolAndBytesInJSON() throws {
        let json = #"""
        {"inputs":[{"name":"d","shape":[3],"datatype":"FP64","data":[1.7976931348623157e308,5e-324,0.1]},
                   {"name":"b","shape":[2],"datatype":"BOOL","data":[false,true]},
                   {"name":"s","shape":[1,3],"datatype":"BYTES","data":[["caf\u00e9 \ud83d\udc08","","tab\tquote\" \\ /"]]}]}
        """#
        let request = try FramedBody(json: json).decode()
        let doubles = [1.7976931348623157e308, Double.leastNonzeroMagnitude, 0.1].flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        XCTAssertEqual(request.inputs[0].data, .raw(doubles))
        XCTAssertEqual(request.inputs[1].data, .raw([0, 1]))
        XCTAssertEqual(request.inputs[2].data.bytes?.strings, ["café 🐈", "", "tab\tquote\" \\ /"])
        assertRefused(#"{"inputs":[{"name":"s","shape":[1],"datatype":"BYTES","data":[1]}]}"#, "must be strings")
        assertRefused(#"{"inputs":[{"name":"h","shape":[1],"datatype":"FP16","data":[1]}]}"#, "binary")
    }

    func testBinaryFP32AndBytesFollowTheJSONInInputOrder() throws {
        let image: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0, 255, 13, 10]
        let elements = serializedElements([image, [], Array("second".utf8)])
        let json = #"""
        {"inputs":[{"name":"input","shape":[1,3,2,2],"datatype":"FP32","parameters":{"binary_data_size":48}},
                   {"name":"n","shape":[2],"datatype":"INT32","data":[1,-2]},
                   {"name":"image","shape":[3],"datatype":"BYTES","parameters":{"binary_data_size":\#(elements.count)}}],
         "outputs":[{"name":"logits","parameters":{"binary_data":true}},{"name":"probabilities","parameters":{"classification":5}}],
         "parameters":{"binary_data_output":false,"priority":3,"tag":"a","ratio":0.5,"nested":{"ignored":[1,{}]}}}
        """#
        let request = try FramedBody(json: json, binary: littleEndianBytes(values) + elements).decode()
        XCTAssertEqual(request.inputs[0].data.fp32?.map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertEqual(request.inputs[0].binaryDataSize, 48)
        XCTAssertEqual(request.inputs[1].data, .raw([1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF]))
        XCTAssertEqual(request.inputs[2].data.bytes.map { $0.map(Array.init) }, [image, [], Array("second".utf8)])
        XCTAssertEqual(request.outputs?[0].binaryData, true)
        XCTAssertEqual(request.outputs?[1].classification, 5)
        XCTAssertEqual(request.parameters, ["binary_data_output": .bool(false), "priority": .int(3), "tag": .string("a"), "ratio": .double(0.5)])
        XCTAssertEqual(request.binaryDataOutput, false)
        XCTAssertTrue(request.wantsBinaryData(forOutput: "logits"), "the output's own setting wins")
        XCTAssertFalse(request.wantsBinaryData(forOutput: "probabilities"))
    }

    func testBinaryDataOutputAppliesToOutputsWithoutTheirOwnSetting() throws {
        let json = #"{"inputs":[],"outputs":[{"name":"a"},{"name":"b","parameters":{"binary_data":false}}],"parameters":{"binary_data_output":true}}"#
        let request = try FramedBody(json: json).decode()
        XCTAssertTrue(request.wantsBinaryData(forOutput: "a"))
        XCTAssertFalse(request.wantsBinaryData(forOutput: "b"))
        XCTAssertTrue(request.wantsBinaryData(forOutput: "not-listed"))
        XCTAssertNil(try FramedBody(json: #"{"inputs":[]}"#).decode().outputs, "no outputs: all, default settings")
    }

    func testUnknownFieldsAndParametersAreIgnored() throws {
        let json = #"{"model_name":"x","inputs":[{"name":"a","shape":[0],"datatype":"FP32","data":[],"extra":{"deep":[[]]}}],"outputs":[{"name":"o","parameters":{"shared_memory_region":null}}]}"#
        let request = try FramedBody(json: json).decode()
        XCTAssertEqual(request.inputs[0].data, .fp32([]))
        XCTAssertEqual(request.outputs?[0].parameters, [:])
    }

    func testEmptyTensorsAndZeroSizedDimensions() throws {
        let json = #"{"inputs":[{"name":"a","shape":[2,0],"datatype":"FP32","data":[[],[]]},{"name":"b","shape":[0,3],"datatype":"BYTES","data":[]},{"name":"c","shape":[0],"datatype":"FP32","parameters":{"binary_data_size":0}}]}"#
        let request = try FramedBody(json: json, binary: []).decode()
        XCTAssertEqual(request.inputs.map(\.elementCount), [0, 0, 0])
    }

    func testBytesFromBinaryDataShareTheBodyInsteadOfCopyingIt() throws {
        let image = [UInt8](repeating: 7, count: 100_000)
        let elements = serializedElements([image, image])
        let json = #"{"inputs":[{"name":"image","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":\#(elements.count)}}]}"#
        let framed = FramedBody(json: json, binary: elements)
        let tensor = try XCTUnwrap(try framed.decode().inputs[0].data.bytes)
        XCTAssertEqual(tensor.count, 2)
        XCTAssertTrue(tensor[1].elementsEqual(image))
        tensor.storage.withUnsafeBufferPointer { storage in
            framed.body.withUnsafeBufferPointer { XCTAssertEqual(storage.baseAddress, $0.baseAddress) }
        }
    }
}
